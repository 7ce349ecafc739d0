using System.Text.Json;
using FineTuneMesh.Core.Modeling;

namespace FineTuneMesh.Core.Export;

/// <summary>
/// Reads a Hugging Face byte-level BPE tokenizer (<c>tokenizer.json</c>, plus
/// <c>tokenizer_config.json</c> when present) into a <see cref="GgufVocabulary"/> of exactly
/// the model's <c>vocab_size</c> entries: ids the tokenizer does not use become <c>[PAD{i}]</c>
/// user-defined tokens, as llama.cpp's converter writes them.
/// </summary>
public static class HuggingFaceVocabularyReader
{
    public const string TokenizerFileName = "tokenizer.json";
    public const string TokenizerConfigFileName = "tokenizer_config.json";

    public static GgufVocabulary Read(string folder, ModelConfig config)
    {
        var path = Path.Combine(folder, TokenizerFileName);
        if (!File.Exists(path))
        {
            throw new FileNotFoundException($"{path}: not found; GGUF export needs the model's tokenizer.json.", path);
        }

        try
        {
            using var document = JsonDocument.Parse(File.ReadAllText(path));
            var vocabulary = ReadTokenizer(path, document.RootElement, config.VocabSize);
            return AddSpecialTokens(folder, vocabulary, config);
        }
        catch (Exception e) when (e is JsonException or KeyNotFoundException or InvalidOperationException or FormatException)
        {
            throw new InvalidDataException($"{path}: not a valid tokenizer.json ({e.Message}).", e);
        }
    }

    private static GgufVocabulary ReadTokenizer(string path, JsonElement root, int vocabSize)
    {
        var model = root.GetProperty("model");
        var type = model.TryGetProperty("type", out var t) ? t.GetString() : null;
        if (type != "BPE")
        {
            throw new NotSupportedException($"{path}: tokenizer model type '{type}' is not supported; only byte-level BPE.");
        }

        if (!UsesByteLevel(root, "pre_tokenizer") && !UsesByteLevel(root, "decoder"))
        {
            throw new NotSupportedException(
                $"{path}: the BPE tokenizer is not byte-level (no ByteLevel pre-tokenizer or decoder); only GPT-2 style byte-level BPE is supported.");
        }

        var tokens = new string?[vocabSize];
        var types = new int[vocabSize];
        foreach (var entry in model.GetProperty("vocab").EnumerateObject())
        {
            Place(path, tokens, types, entry.Value.GetInt32(), entry.Name, GgufVocabulary.Normal);
        }

        if (root.TryGetProperty("added_tokens", out var added) && added.ValueKind == JsonValueKind.Array)
        {
            foreach (var token in added.EnumerateArray())
            {
                var special = token.TryGetProperty("special", out var s) && s.GetBoolean();
                Place(path, tokens, types, token.GetProperty("id").GetInt32(), token.GetProperty("content").GetString()!,
                    special ? GgufVocabulary.Control : GgufVocabulary.UserDefined);
            }
        }

        for (var i = 0; i < vocabSize; i++)
        {
            if (tokens[i] is null)
            {
                tokens[i] = $"[PAD{i}]";
                types[i] = GgufVocabulary.UserDefined;
            }
        }

        var merges = new List<string>();
        if (model.TryGetProperty("merges", out var mergeList))
        {
            foreach (var merge in mergeList.EnumerateArray())
            {
                merges.Add(merge.ValueKind switch
                {
                    JsonValueKind.String => merge.GetString()!,
                    JsonValueKind.Array => string.Join(' ', merge.EnumerateArray().Select(p => p.GetString())),
                    _ => throw new InvalidDataException($"{path}: a merge is neither \"a b\" nor [a, b]."),
                });
            }
        }

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

    // tokenizer_config.json names the special tokens; config.json's ids fill what it leaves out
    // (the order llama.cpp's converter uses).
    private static GgufVocabulary AddSpecialTokens(string folder, GgufVocabulary vocabulary, ModelConfig config)
    {
        var idByToken = new Dictionary<string, int>();
        for (var i = 0; i < vocabulary.Tokens.Count; i++)
        {
            idByToken.TryAdd(vocabulary.Tokens[i], i);
        }

        int? bos = null, eos = null, pad = null;
        bool? addBos = null;
        string? template = null;
        var path = Path.Combine(folder, TokenizerConfigFileName);
        if (File.Exists(path))
        {
            try
            {
                using var document = JsonDocument.Parse(File.ReadAllText(path));
                var root = document.RootElement;
                bos = TokenId(root, "bos_token", idByToken);
                eos = TokenId(root, "eos_token", idByToken);
                pad = TokenId(root, "pad_token", idByToken);
                if (root.TryGetProperty("add_bos_token", out var add) && add.ValueKind is JsonValueKind.True or JsonValueKind.False)
                {
                    addBos = add.GetBoolean();
                }

                if (root.TryGetProperty("chat_template", out var chat) && chat.ValueKind == JsonValueKind.String)
                {
                    template = chat.GetString();
                }
            }
            catch (JsonException e)
            {
                throw new InvalidDataException($"{path}: not valid JSON ({e.Message}).", e);
            }
        }

        bos ??= config.BosTokenId;
        eos ??= config.EosTokenIds.Count > 0 ? config.EosTokenIds[0] : null;
        return vocabulary with { BosTokenId = bos, EosTokenId = eos, PaddingTokenId = pad, AddBosToken = addBos, ChatTemplate = template };
    }

    private static int? TokenId(JsonElement root, string property, Dictionary<string, int> idByToken)
    {
        if (!root.TryGetProperty(property, out var value))
        {
            return null;
        }

        var text = value.ValueKind switch
        {
            JsonValueKind.String => value.GetString(),
            JsonValueKind.Object when value.TryGetProperty("content", out var content) => content.GetString(),
            _ => null,
        };
        return text is not null && idByToken.TryGetValue(text, out var id) ? id : null;
    }
}
