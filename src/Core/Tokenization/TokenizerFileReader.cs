using System.Text.Json;

namespace FineTuneMesh.Core.Tokenization;

/// <summary>
/// Reads a Hugging Face <c>tokenizer.json</c> (and optional <c>tokenizer_config.json</c>) and
/// refuses, naming the file, any shape that the encoder would not reproduce exactly.
/// </summary>
internal static class TokenizerFileReader
{
    public const string TokenizerFileName = "tokenizer.json";
    public const string ConfigFileName = "tokenizer_config.json";

    public static TokenizerDefinition Read(string modelFolder)
    {
        ArgumentException.ThrowIfNullOrEmpty(modelFolder);
        var path = Path.GetFullPath(Path.Combine(modelFolder, TokenizerFileName));
        if (!File.Exists(path))
        {
            throw new FileNotFoundException(
                $"{path}: tokenizer file not found (a model folder needs a Hugging Face tokenizer.json).", path);
        }

        using var document = ParseJson(path);
        var root = document.RootElement;
        if (root.ValueKind != JsonValueKind.Object)
        {
            throw Invalid(path, "the top level is not a JSON object");
        }

        var model = RequireObject(root, "model", "model", path);
        CheckModel(model, path);
        var vocab = ReadVocab(RequireObject(model, "vocab", "model.vocab", path), path);
        var merges = ReadMerges(model, path);
        var added = ReadAddedTokens(root, path);
        var normalizeNfc = ReadNormalizer(root, path);
        var (preName, prePattern) = ReadPreTokenizer(root, path);
        CheckDecoder(root, path);

        var config = ReadConfig(Path.Combine(Path.GetDirectoryName(path)!, ConfigFileName));
        return new TokenizerDefinition(
            path, vocab, merges, added, preName, prePattern, normalizeNfc,
            config.Bos, config.Eos, config.Pad, config.ChatTemplate, config.AddBos);
    }

    private static JsonDocument ParseJson(string path)
    {
        try
        {
            return JsonDocument.Parse(File.ReadAllBytes(path), new JsonDocumentOptions { MaxDepth = 256 });
        }
        catch (JsonException e)
        {
            throw new InvalidDataException($"{path}: not valid JSON ({e.Message})", e);
        }
    }

    private static void CheckModel(JsonElement model, string path)
    {
        var type = OptionalString(model, "type", "model.type", path);
        if (type is not null and not "BPE")
        {
            throw Invalid(path, $"model.type \"{type}\" is not supported (only byte-level \"BPE\" is)");
        }

        if (OptionalBool(model, "byte_fallback", path))
        {
            throw Invalid(path, "model.byte_fallback = true is not supported (only byte-level BPE is)");
        }

        if (OptionalBool(model, "ignore_merges", path))
        {
            throw Invalid(path, "model.ignore_merges = true is not supported");
        }

        foreach (var affix in new[] { "continuing_subword_prefix", "end_of_word_suffix" })
        {
            if (!string.IsNullOrEmpty(OptionalString(model, affix, "model." + affix, path)))
            {
                throw Invalid(path, $"model.{affix} is not supported (byte-level BPE has none)");
            }
        }

        if (model.TryGetProperty("dropout", out var dropout) && dropout.ValueKind == JsonValueKind.Number
            && dropout.GetDouble() != 0)
        {
            throw Invalid(path, "model.dropout is not supported");
        }
    }

    private static Dictionary<string, int> ReadVocab(JsonElement vocab, string path)
    {
        var result = new Dictionary<string, int>(StringComparer.Ordinal);
        foreach (var entry in vocab.EnumerateObject())
        {
            if (entry.Value.ValueKind != JsonValueKind.Number || !entry.Value.TryGetInt32(out var id) || id < 0)
            {
                throw Invalid(path, $"model.vocab entry \"{entry.Name}\" has no non-negative integer id");
            }

            result[entry.Name] = id;
        }

        return result;
    }

    private static List<(string Left, string Right)> ReadMerges(JsonElement model, string path)
    {
        if (!model.TryGetProperty("merges", out var merges) || merges.ValueKind != JsonValueKind.Array)
        {
            throw Invalid(path, "model.merges is missing or not an array");
        }

        var result = new List<(string, string)>(merges.GetArrayLength());
        var index = 0;
        foreach (var merge in merges.EnumerateArray())
        {
            // Two spellings exist: "a b" (older files) and ["a", "b"] (tokenizers >= 0.20).
            if (merge.ValueKind == JsonValueKind.String)
            {
                var parts = merge.GetString()!.Split(' ');
                if (parts.Length != 2 || parts[0].Length == 0 || parts[1].Length == 0)
                {
                    throw Invalid(path, $"model.merges[{index}] \"{merge.GetString()}\" is not two tokens separated by a space");
                }

                result.Add((parts[0], parts[1]));
            }
            else if (merge.ValueKind == JsonValueKind.Array && merge.GetArrayLength() == 2
                && merge[0].ValueKind == JsonValueKind.String && merge[1].ValueKind == JsonValueKind.String)
            {
                result.Add((merge[0].GetString()!, merge[1].GetString()!));
            }
            else
            {
                throw Invalid(path, $"model.merges[{index}] is neither \"a b\" nor [\"a\", \"b\"]");
            }

            index++;
        }

        return result;
    }

    private static List<AddedToken> ReadAddedTokens(JsonElement root, string path)
    {
        var result = new List<AddedToken>();
        if (!root.TryGetProperty("added_tokens", out var added) || added.ValueKind == JsonValueKind.Null)
        {
            return result;
        }

        if (added.ValueKind != JsonValueKind.Array)
        {
            throw Invalid(path, "added_tokens is not an array");
        }

        var index = 0;
        foreach (var token in added.EnumerateArray())
        {
            if (token.ValueKind != JsonValueKind.Object
                || !token.TryGetProperty("id", out var id) || id.ValueKind != JsonValueKind.Number
                || !id.TryGetInt32(out var idValue) || idValue < 0
                || !token.TryGetProperty("content", out var content) || content.ValueKind != JsonValueKind.String
                || content.GetString()!.Length == 0)
            {
                throw Invalid(path, $"added_tokens[{index}] needs a non-negative integer \"id\" and a non-empty \"content\"");
            }

            result.Add(new AddedToken(idValue, content.GetString()!, OptionalBool(token, "special", path)));
            index++;
        }

        return result;
    }

    private static bool ReadNormalizer(JsonElement root, string path)
    {
        if (!root.TryGetProperty("normalizer", out var normalizer) || normalizer.ValueKind == JsonValueKind.Null)
        {
            return false;
        }

        var type = RequireType(normalizer, "normalizer", path);
        if (type == "NFC")
        {
            return true;
        }

        if (type == "Sequence" && normalizer.TryGetProperty("normalizers", out var list)
            && list.ValueKind == JsonValueKind.Array && list.GetArrayLength() <= 1)
        {
            return list.GetArrayLength() == 1 && ReadNormalizer(WrapAs("normalizer", list[0]), path);
        }

        throw Invalid(path, $"normalizer {Describe(normalizer)} is not supported (only NFC or none)");
    }

    private static (string Name, string Pattern) ReadPreTokenizer(JsonElement root, string path)
    {
        if (!root.TryGetProperty("pre_tokenizer", out var pre) || pre.ValueKind != JsonValueKind.Object)
        {
            throw Invalid(path, "pre_tokenizer is missing; only byte-level pre-tokenizers (Qwen2 or GPT-2 style) are supported");
        }

        var type = RequireType(pre, "pre_tokenizer", path);
        if (type == "ByteLevel" && IsPlainByteLevel(pre, expectRegex: true, path))
        {
            return ("gpt2", PreTokenizerPatterns.Gpt2);
        }

        if (type == "Sequence" && pre.TryGetProperty("pretokenizers", out var steps)
            && steps.ValueKind == JsonValueKind.Array && steps.GetArrayLength() == 2
            && steps[0].ValueKind == JsonValueKind.Object && steps[1].ValueKind == JsonValueKind.Object
            && RequireType(steps[0], "pre_tokenizer.pretokenizers[0]", path) == "Split"
            && RequireType(steps[1], "pre_tokenizer.pretokenizers[1]", path) == "ByteLevel"
            && IsPlainByteLevel(steps[1], expectRegex: false, path)
            && OptionalString(steps[0], "behavior", "pre_tokenizer.pretokenizers[0].behavior", path) == "Isolated"
            && !OptionalBool(steps[0], "invert", path)
            && steps[0].TryGetProperty("pattern", out var pattern) && pattern.ValueKind == JsonValueKind.Object
            && pattern.TryGetProperty("Regex", out var regex) && regex.ValueKind == JsonValueKind.String)
        {
            switch (regex.GetString())
            {
                case PreTokenizerPatterns.Qwen2:
                    return ("qwen2", PreTokenizerPatterns.Qwen2);
                case PreTokenizerPatterns.Gpt2:
                    return ("gpt2", PreTokenizerPatterns.Gpt2);
                default:
                    throw Invalid(path, $"pre_tokenizer Split regex \"{regex.GetString()}\" is not a known pattern (supported: Qwen2, GPT-2)");
            }
        }

        throw Invalid(path, $"pre_tokenizer {Describe(pre)} is not supported (supported: Sequence[Split(Qwen2 regex, Isolated), ByteLevel(use_regex=false)] or ByteLevel(use_regex=true))");
    }

    private static bool IsPlainByteLevel(JsonElement byteLevel, bool expectRegex, string path)
    {
        var useRegex = !byteLevel.TryGetProperty("use_regex", out var value) || value.ValueKind != JsonValueKind.False;
        return useRegex == expectRegex && !OptionalBool(byteLevel, "add_prefix_space", path);
    }

    private static void CheckDecoder(JsonElement root, string path)
    {
        if (root.TryGetProperty("decoder", out var decoder) && decoder.ValueKind != JsonValueKind.Null
            && RequireType(decoder, "decoder", path) != "ByteLevel")
        {
            throw Invalid(path, $"decoder {Describe(decoder)} is not supported (only ByteLevel)");
        }
    }

    private static (string? Bos, string? Eos, string? Pad, string? ChatTemplate, bool? AddBos) ReadConfig(string configPath)
    {
        if (!File.Exists(configPath))
        {
            return (null, null, null, null, null);
        }

        using var document = ParseJson(configPath);
        var root = document.RootElement;
        if (root.ValueKind != JsonValueKind.Object)
        {
            throw Invalid(configPath, "the top level is not a JSON object");
        }

        return (
            ConfigToken(root, "bos_token", configPath),
            ConfigToken(root, "eos_token", configPath),
            ConfigToken(root, "pad_token", configPath),
            ConfigChatTemplate(root, configPath),
            root.TryGetProperty("add_bos_token", out _) ? OptionalBool(root, "add_bos_token", configPath) : null);
    }

    // Either "<|im_end|>" or an AddedToken object {"content": "<|im_end|>", ...} (older files).
    private static string? ConfigToken(JsonElement root, string name, string path)
    {
        if (!root.TryGetProperty(name, out var value) || value.ValueKind == JsonValueKind.Null)
        {
            return null;
        }

        if (value.ValueKind == JsonValueKind.String)
        {
            return value.GetString();
        }

        if (value.ValueKind == JsonValueKind.Object && value.TryGetProperty("content", out var content)
            && content.ValueKind == JsonValueKind.String)
        {
            return content.GetString();
        }

        throw Invalid(path, $"{name} is neither a string nor an object with \"content\"");
    }

    // Either one template string or a list of {"name", "template"} where "default" is the chat one.
    private static string? ConfigChatTemplate(JsonElement root, string path)
    {
        if (!root.TryGetProperty("chat_template", out var value) || value.ValueKind == JsonValueKind.Null)
        {
            return null;
        }

        if (value.ValueKind == JsonValueKind.String)
        {
            return value.GetString();
        }

        if (value.ValueKind == JsonValueKind.Array)
        {
            foreach (var item in value.EnumerateArray())
            {
                if (item.ValueKind == JsonValueKind.Object
                    && item.TryGetProperty("name", out var name) && name.ValueKind == JsonValueKind.String
                    && name.GetString() == "default"
                    && item.TryGetProperty("template", out var template) && template.ValueKind == JsonValueKind.String)
                {
                    return template.GetString();
                }
            }

            return null;
        }

        throw Invalid(path, "chat_template is neither a string nor a list of named templates");
    }

    private static JsonElement RequireObject(JsonElement parent, string name, string where, string path)
    {
        if (!parent.TryGetProperty(name, out var value) || value.ValueKind != JsonValueKind.Object)
        {
            throw Invalid(path, $"{where} is missing or not an object");
        }

        return value;
    }

    private static string RequireType(JsonElement element, string where, string path) =>
        OptionalString(element, "type", where + ".type", path) ?? throw Invalid(path, $"{where} has no \"type\"");

    private static string? OptionalString(JsonElement element, string name, string where, string path)
    {
        if (!element.TryGetProperty(name, out var value) || value.ValueKind == JsonValueKind.Null)
        {
            return null;
        }

        return value.ValueKind == JsonValueKind.String
            ? value.GetString()
            : throw Invalid(path, $"{where} is not a string");
    }

    private static bool OptionalBool(JsonElement element, string name, string path) =>
        element.TryGetProperty(name, out var value) && value.ValueKind switch
        {
            JsonValueKind.True => true,
            JsonValueKind.False or JsonValueKind.Null => false,
            _ => throw Invalid(path, $"\"{name}\" is not a boolean"),
        };

    private static JsonElement WrapAs(string name, JsonElement value)
    {
        using var document = JsonDocument.Parse($"{{\"{name}\": {value.GetRawText()}}}");
        return document.RootElement.Clone();
    }

    private static string Describe(JsonElement element)
    {
        var text = element.GetRawText();
        return text.Length <= 200 ? text : text[..200] + "...";
    }

    private static InvalidDataException Invalid(string path, string problem) => new($"{path}: {problem}");
}
