using System.Text.Json;

namespace FineTuneMesh.Core.Tests.Export;

/// <summary>
/// Writes a minimal valid GPT-2 style byte-level BPE <c>tokenizer.json</c> (256 byte tokens, a few
/// merges, three Qwen special tokens) and a <c>tokenizer_config.json</c> naming them.
/// </summary>
public static class TestTokenizerFiles
{
    public static readonly (string Left, string Right)[] Merges =
        [("Ġ", "t"), ("h", "e"), ("Ġt", "he"), ("i", "n"), ("Ġ", "a")];

    public static readonly string[] SpecialTokens = ["<|endoftext|>", "<|im_start|>", "<|im_end|>"];

    /// <summary>256 byte tokens, then the merges, then the special tokens.</summary>
    public static int TokenCount => 256 + Merges.Length + SpecialTokens.Length;

    public static int SpecialId(string token) => 256 + Merges.Length + Array.IndexOf(SpecialTokens, token);

    /// <summary>GPT-2's byte-to-character table: printable bytes map to themselves, the rest to U+0100 onwards.</summary>
    public static string[] ByteTokens()
    {
        var tokens = new string[256];
        var next = 256;
        for (var b = 0; b < 256; b++)
        {
            var printable = b is >= 33 and <= 126 or >= 161 and <= 172 or >= 174 and <= 255;
            tokens[b] = char.ConvertFromUtf32(printable ? b : next++);
        }

        return tokens;
    }

    public static void Write(string folder, bool mergesAsPairs = false)
    {
        var vocab = new Dictionary<string, int>();
        var bytes = ByteTokens();
        for (var i = 0; i < bytes.Length; i++)
        {
            vocab[bytes[i]] = i;
        }

        foreach (var (left, right) in Merges)
        {
            vocab[left + right] = vocab.Count;
        }

        var added = SpecialTokens.Select((t, i) => new Dictionary<string, object>
        {
            ["id"] = SpecialId(t),
            ["content"] = t,
            ["single_word"] = false,
            ["lstrip"] = false,
            ["rstrip"] = false,
            ["normalized"] = false,
            ["special"] = true,
        }).ToArray();
        object merges = mergesAsPairs
            ? Merges.Select(m => new[] { m.Left, m.Right }).ToArray()
            : Merges.Select(m => $"{m.Left} {m.Right}").ToArray();
        var byteLevel = new Dictionary<string, object>
        {
            ["type"] = "ByteLevel",
            ["add_prefix_space"] = false,
            ["trim_offsets"] = false,
            ["use_regex"] = true,
        };
        var tokenizer = new Dictionary<string, object?>
        {
            ["version"] = "1.0",
            ["truncation"] = null,
            ["padding"] = null,
            ["added_tokens"] = added,
            ["normalizer"] = null,
            ["pre_tokenizer"] = byteLevel,
            ["post_processor"] = null,
            ["decoder"] = byteLevel,
            ["model"] = new Dictionary<string, object?>
            {
                ["type"] = "BPE",
                ["dropout"] = null,
                ["unk_token"] = null,
                ["continuing_subword_prefix"] = "",
                ["end_of_word_suffix"] = "",
                ["fuse_unk"] = false,
                ["byte_fallback"] = false,
                ["ignore_merges"] = false,
                ["vocab"] = vocab,
                ["merges"] = merges,
            },
        };
        File.WriteAllText(Path.Combine(folder, "tokenizer.json"), JsonSerializer.Serialize(tokenizer));

        var config = new Dictionary<string, object?>
        {
            ["add_bos_token"] = false,
            ["bos_token"] = null,
            ["eos_token"] = "<|im_end|>",
            ["pad_token"] = "<|endoftext|>",
            ["chat_template"] = "{% for m in messages %}<|im_start|>{{ m.role }}\n{{ m.content }}<|im_end|>\n{% endfor %}",
        };
        File.WriteAllText(Path.Combine(folder, "tokenizer_config.json"), JsonSerializer.Serialize(config));
    }
}
