namespace FineTuneMesh.Core.Tokenization;

/// <summary>
/// What <see cref="TokenizerFileReader"/> found in a model folder, checked and not yet built: the one
/// reading of tokenizer.json, for the tokenizer and for GGUF export alike. <see cref="AddBosToken"/>
/// is null when tokenizer_config.json does not say.
/// </summary>
internal sealed record TokenizerDefinition(
    string TokenizerPath,
    IReadOnlyDictionary<string, int> Vocab,
    IReadOnlyList<(string Left, string Right)> Merges,
    IReadOnlyList<AddedToken> AddedTokens,
    string PreTokenizerName,
    string PreTokenizerPattern,
    bool NormalizeNfc,
    string? BosToken,
    string? EosToken,
    string? PadToken,
    string? ChatTemplate,
    bool? AddBosToken);
