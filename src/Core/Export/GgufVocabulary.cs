namespace FineTuneMesh.Core.Export;

/// <summary>A byte-level BPE vocabulary in the form GGUF's <c>tokenizer.ggml.*</c> keys store it.</summary>
public sealed record GgufVocabulary(
    IReadOnlyList<string> Tokens,
    IReadOnlyList<int> TokenTypes,
    IReadOnlyList<string> Merges,
    int? BosTokenId,
    int? EosTokenId,
    int? PaddingTokenId,
    bool? AddBosToken,
    string? ChatTemplate)
{
    /// <summary>llama.cpp's <c>llama_token_type</c> values.</summary>
    public const int Normal = 1;
    public const int Control = 3;
    public const int UserDefined = 4;
}
