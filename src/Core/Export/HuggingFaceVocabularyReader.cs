using System.Text.Json;
using FineTuneMesh.Core.Modeling;
using FineTuneMesh.Core.Tokenization;

namespace FineTuneMesh.Core.Export;

/// <summary>
/// Turns a Hugging Face byte-level BPE tokenizer (as <see cref="TokenizerFileReader"/> reads
/// <c>tokenizer.json</c> and <c>tokenizer_config.json</c>) into a <see cref="GgufVocabulary"/> of exactly
/// the model's <c>vocab_size</c> entries: ids the tokenizer does not use become <c>[PAD{i}]</c>
/// user-defined tokens, as llama.cpp's converter writes them.
/// </summary>
public static class HuggingFaceVocabularyReader
{
    public const string TokenizerFileName = "tokenizer.json";

    public static GgufVocabulary Read(string folder, ModelConfig config)
    {
        var path = Path.Combine(folder, TokenizerFileName);
        if (!File.Exists(path))
        {
            throw new FileNotFoundException($"{path}: not found; GGUF export needs the model's tokenizer.json.", path);
        }

        RequireByteLevelBpe(path);
        var definition = TokenizerFileReader.Read(folder);
        var vocabulary = Place(definition, config.VocabSize);
        var idByToken = new Dictionary<string, int>();
        for (var i = 0; i < vocabulary.Tokens.Count; i++)
        {
            idByToken.TryAdd(vocabulary.Tokens[i], i);
        }

        int? IdOf(string? token) => token is not null && idByToken.TryGetValue(token, out var id) ? id : null;

        // tokenizer_config.json names the special tokens; config.json's ids fill what it leaves out
        // (the order llama.cpp's converter uses).
        return vocabulary with
        {
            BosTokenId = IdOf(definition.BosToken) ?? config.BosTokenId,
            EosTokenId = IdOf(definition.EosToken) ?? (config.EosTokenIds.Count > 0 ? config.EosTokenIds[0] : null),
            PaddingTokenId = IdOf(definition.PadToken),
            AddBosToken = definition.AddBosToken,
            ChatTemplate = definition.ChatTemplate,
        };
    }

    /// <summary>
    /// GGUF's <c>gpt2</c> tokenizer is byte-level BPE and nothing else: anything other is refused
    /// as unsupported before the tokenizer is read (where it would be refused as unreadable).
    /// </summary>
    private static void RequireByteLevelBpe(string path)
    {
        JsonDocument document;
        try
        {
            document = JsonDocument.Parse(File.ReadAllText(path));
        }
        catch (JsonException e)
        {
            throw new InvalidDataException($"{path}: not a valid tokenizer.json ({e.Message}).", e);
        }

        using (document)
        {
            var root = document.RootElement;
            var type = root.ValueKind == JsonValueKind.Object && root.TryGetProperty("model", out var model) && model.ValueKind == JsonValueKind.Object
                && model.TryGetProperty("type", out var t) && t.ValueKind == JsonValueKind.String ? t.GetString() : null;
            if (type != "BPE")
            {
                throw new NotSupportedException($"{path}: tokenizer model type '{type}' is not supported; only byte-level BPE.");
            }

            if (!UsesByteLevel(root, "pre_tokenizer") && !UsesByteLevel(root, "decoder"))
            {
                throw new NotSupportedException(
                    $"{path}: the BPE tokenizer is not byte-level (no ByteLevel pre-tokenizer or decoder); only GPT-2 style byte-level BPE is supported.");
            }
        }
    }

    /// <summary>Every id below vocab_size gets its token: the vocabulary's, an added one, or a <c>[PAD{i}]</c> filler.</summary>
    private static GgufVocabulary Place(TokenizerDefinition definition, int vocabSize)
    {
        var tokens = new string?[vocabSize];
        var types = new int[vocabSize];
        foreach (var (text, id) in definition.Vocab)
        {
            Place(definition.TokenizerPath, tokens, types, id, text, GgufVocabulary.Normal);
        }

        foreach (var token in definition.AddedTokens)
        {
            Place(definition.TokenizerPath, tokens, types, token.Id, token.Content, token.Special ? GgufVocabulary.Control : GgufVocabulary.UserDefined);
        }

        for (var i = 0; i < vocabSize; i++)
        {
            if (tokens[i] is null)
            {
                tokens[i] = $"[PAD{i}]";
                types[i] = GgufVocabulary.UserDefined;
            }
        }

        var merges = definition.Merges.Select(merge => $"{merge.Left} {merge.Right}").ToList();
        return new GgufVocabulary(tokens!, types, merges, null, null, null, null, null);
    }

    private static void Place(string path, string?[] tokens, int[] types, int id, string text, int type)
    {
        if (id < 0 || id >= tokens.Length)
        {
            throw new InvalidDataException(
                $"{path}: token '{text}' has id {id}, outside the model's vocab_size {tokens.Length}.");
        }

        if (tokens[id] is { } existing && existing != text)
        {
            throw new InvalidDataException($"{path}: id {id} is given to both '{existing}' and '{text}'.");
        }

        tokens[id] = text;
        types[id] = type;
    }

    private static bool UsesByteLevel(JsonElement root, string property) =>
        root.TryGetProperty(property, out var element) && ContainsByteLevel(element);

    private static bool ContainsByteLevel(JsonElement element) => element.ValueKind switch
    {
        JsonValueKind.Object => element.EnumerateObject().Any(p =>
            (p.Name == "type" && p.Value.ValueKind == JsonValueKind.String && p.Value.GetString() == "ByteLevel")
            || ContainsByteLevel(p.Value)),
        JsonValueKind.Array => element.EnumerateArray().Any(ContainsByteLevel),
        _ => false,
    };
}
