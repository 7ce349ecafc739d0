using System.Text.Encodings.Web;
using System.Text.Json;

namespace FineTuneMesh.Core.Tokenization;

/// <summary>
/// Writes a small but real Hugging Face byte-level BPE tokenizer (Qwen2 pre-tokenizer, NFC, ChatML
/// special tokens and chat template) for tests and tiny models: ids 0-255 are the bytes in GPT-2
/// order, then one token per merge, then <c>&lt;|endoftext|&gt;</c>, <c>&lt;|im_start|&gt;</c>,
/// <c>&lt;|im_end|&gt;</c>.
/// </summary>
public static class TinyTokenizerFactory
{
    public const string EndOfText = "<|endoftext|>";
    public const string ImStart = "<|im_start|>";
    public const string ImEnd = "<|im_end|>";

    private static readonly string[] _specialTokens = [EndOfText, ImStart, ImEnd];

    private static readonly JsonWriterOptions _writerOptions = new()
    {
        Indented = true,
        Encoder = JavaScriptEncoder.UnsafeRelaxedJsonEscaping,
    };

    /// <summary>The vocabulary size <see cref="Write"/> produces for <paramref name="mergeCount"/>.</summary>
    public static int VocabSize(int mergeCount = 200) => 256 + mergeCount + _specialTokens.Length;

    /// <summary>Writes tokenizer.json and tokenizer_config.json into <paramref name="folder"/>
    /// (created if needed) and returns the vocabulary size.</summary>
    public static int Write(string folder, int mergeCount = 200)
    {
        ArgumentException.ThrowIfNullOrEmpty(folder);
        ArgumentOutOfRangeException.ThrowIfNegative(mergeCount);
        var merges = BpeTrainer.Train(TinyCorpus.Text, PreTokenizerPatterns.Qwen2, mergeCount);
        var vocab = ByteLevelAlphabet.SingleByteTokensInGpt2Order()
            .Concat(merges.Select(m => m.Left + m.Right))
            .ToList();

        Directory.CreateDirectory(folder);
        WriteJson(Path.Combine(folder, TokenizerFileReader.TokenizerFileName), w => WriteTokenizer(w, vocab, merges));
        WriteJson(Path.Combine(folder, TokenizerFileReader.ConfigFileName), WriteConfig);
        return vocab.Count + _specialTokens.Length;
    }

    private static void WriteTokenizer(Utf8JsonWriter w, List<string> vocab, List<(string Left, string Right)> merges)
    {
        w.WriteStartObject();
        w.WriteString("version", "1.0");
        w.WriteNull("truncation");
        w.WriteNull("padding");
        w.WriteStartArray("added_tokens");
        for (var i = 0; i < _specialTokens.Length; i++)
        {
            w.WriteStartObject();
            w.WriteNumber("id", vocab.Count + i);
            w.WriteString("content", _specialTokens[i]);
            w.WriteBoolean("single_word", false);
            w.WriteBoolean("lstrip", false);
            w.WriteBoolean("rstrip", false);
            w.WriteBoolean("normalized", false);
            w.WriteBoolean("special", true);
            w.WriteEndObject();
        }

        w.WriteEndArray();
        w.WriteStartObject("normalizer");
        w.WriteString("type", "NFC");
        w.WriteEndObject();

        w.WriteStartObject("pre_tokenizer");
        w.WriteString("type", "Sequence");
        w.WriteStartArray("pretokenizers");
        w.WriteStartObject();
        w.WriteString("type", "Split");
        w.WriteStartObject("pattern");
        w.WriteString("Regex", PreTokenizerPatterns.Qwen2);
        w.WriteEndObject();
        w.WriteString("behavior", "Isolated");
        w.WriteBoolean("invert", false);
        w.WriteEndObject();
        WriteByteLevel(w, null);
        w.WriteEndArray();
        w.WriteEndObject();

        WriteByteLevel(w, "post_processor");
        WriteByteLevel(w, "decoder");

        w.WriteStartObject("model");
        w.WriteString("type", "BPE");
        w.WriteNull("dropout");
        w.WriteNull("unk_token");
        w.WriteString("continuing_subword_prefix", "");
        w.WriteString("end_of_word_suffix", "");
        w.WriteBoolean("fuse_unk", false);
        w.WriteBoolean("byte_fallback", false);
        w.WriteBoolean("ignore_merges", false);
        w.WriteStartObject("vocab");
        for (var id = 0; id < vocab.Count; id++)
        {
            w.WriteNumber(vocab[id], id);
        }

        w.WriteEndObject();
        w.WriteStartArray("merges");
        foreach (var (left, right) in merges)
        {
            w.WriteStartArray();
            w.WriteStringValue(left);
            w.WriteStringValue(right);
            w.WriteEndArray();
        }

        w.WriteEndArray();
        w.WriteEndObject();
        w.WriteEndObject();
    }

    private static void WriteByteLevel(Utf8JsonWriter w, string? propertyName)
    {
        if (propertyName is null)
        {
            w.WriteStartObject();
        }
        else
        {
            w.WriteStartObject(propertyName);
        }

        w.WriteString("type", "ByteLevel");
        w.WriteBoolean("add_prefix_space", false);
        w.WriteBoolean("trim_offsets", false);
        w.WriteBoolean("use_regex", false);
        w.WriteEndObject();
    }

    private static void WriteConfig(Utf8JsonWriter w)
    {
        w.WriteStartObject();
        w.WriteBoolean("add_bos_token", false);
        w.WriteBoolean("add_prefix_space", false);
        w.WriteStartArray("additional_special_tokens");
        w.WriteStringValue(ImStart);
        w.WriteStringValue(ImEnd);
        w.WriteEndArray();
        w.WriteNull("bos_token");
        w.WriteString("chat_template", ChatTemplates.Qwen25Instruct);
        w.WriteBoolean("clean_up_tokenization_spaces", false);
        w.WriteString("eos_token", ImEnd);
        w.WriteString("errors", "replace");
        w.WriteNumber("model_max_length", 32768);
        w.WriteString("pad_token", EndOfText);
        w.WriteBoolean("split_special_tokens", false);
        w.WriteString("tokenizer_class", "Qwen2Tokenizer");
        w.WriteNull("unk_token");
        w.WriteEndObject();
    }

    private static void WriteJson(string path, Action<Utf8JsonWriter> write)
    {
        using var stream = File.Create(path);
        using var writer = new Utf8JsonWriter(stream, _writerOptions);
        write(writer);
    }
}
