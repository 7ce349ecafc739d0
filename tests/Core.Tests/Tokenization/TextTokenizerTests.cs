using System.Text;
using System.Text.Json.Nodes;
using FineTuneMesh.Core.Tokenization;

namespace FineTuneMesh.Core.Tests.Tokenization;

public sealed class TextTokenizerTests(TinyTokenizerFixture tiny) : IClassFixture<TinyTokenizerFixture>
{
    private readonly TextTokenizer _tokenizer = tiny.Tokenizer;

    public static TheoryData<string> Texts() => [.. TokenizerCorpus.Texts];

    [Theory]
    [MemberData(nameof(Texts))]
    public void DecodeOfEncodeIsTheNfcText(string text) =>
        Assert.Equal(text.Normalize(NormalizationForm.FormC), _tokenizer.Decode(_tokenizer.Encode(text)));

    [Fact]
    public void TinyTokenizerHasTheDocumentedLayout()
    {
        Assert.Equal(256 + 200 + 3, tiny.WrittenVocabSize);
        Assert.Equal(TinyTokenizerFactory.VocabSize(), _tokenizer.VocabSize);
        Assert.Equal(200, _tokenizer.Merges.Count);
        Assert.Equal(459, _tokenizer.Tokens.Count);
        Assert.Equal("!", _tokenizer.IdToToken(0));
        Assert.Equal("Ā", _tokenizer.IdToToken(188)); // byte 0x00 in GPT-2's table
        Assert.Equal([0x00], _tokenizer.TokenBytes(188));
        Assert.Equal(456, _tokenizer.TokenToId("<|endoftext|>"));
        Assert.Equal(457, _tokenizer.TokenToId("<|im_start|>"));
        Assert.Equal(458, _tokenizer.TokenToId("<|im_end|>"));
        Assert.Equal([456, 457, 458], _tokenizer.SpecialTokenIds);
        Assert.Equal("<|im_end|>", _tokenizer.EosToken);
        Assert.Equal(458, _tokenizer.EosTokenId);
        Assert.Equal("<|endoftext|>", _tokenizer.PadToken);
        Assert.Null(_tokenizer.BosToken);
        Assert.False(_tokenizer.AddBosToken);
        Assert.Contains("<|im_start|>assistant", _tokenizer.ChatTemplate);
        Assert.Equal("qwen2", _tokenizer.PreTokenizerName);
        Assert.True(_tokenizer.NormalizesNfc);
        Assert.Null(_tokenizer.TokenToId("not a token"));
        Assert.Null(_tokenizer.IdToToken(459));
    }

    [Fact]
    public void TrainingIsDeterministicAndMergesBecomeTokens()
    {
        using var other = new TempFolder();
        TinyTokenizerFactory.Write(other.Path);
        Assert.Equal(
            File.ReadAllText(Path.Combine(tiny.Folder, "tokenizer.json")),
            File.ReadAllText(Path.Combine(other.Path, "tokenizer.json")));
        for (var i = 0; i < _tokenizer.Merges.Count; i++)
        {
            var (left, right) = _tokenizer.Merges[i];
            Assert.Equal(256 + i, _tokenizer.TokenToId(left + right));
        }

        // The corpus is English: the tiny vocabulary should compress it.
        Assert.True(_tokenizer.Encode("the model learned the story").Count < "the model learned the story".Length / 2);
    }

    [Fact]
    public void SpecialTokensEncodeToSingleIds()
    {
        var ids = _tokenizer.Encode("<|im_start|>user\nhi<|im_end|>\n");
        Assert.Equal(457, ids[0]);
        Assert.Equal(458, ids[^2]);
        Assert.Equal(1, ids.Count(id => id == 457));
        Assert.Equal([456], _tokenizer.Encode("<|endoftext|>"));
        Assert.Equal("user\nhi\n", _tokenizer.Decode(ids, skipSpecialTokens: true));
        Assert.Equal("<|im_start|>user\nhi<|im_end|>\n", _tokenizer.Decode(ids));
    }

    [Fact]
    public void TokenBytesGiveRawBytes()
    {
        Assert.Equal(" "u8.ToArray(), _tokenizer.TokenBytes(_tokenizer.TokenToId("Ġ")!.Value));
        Assert.Equal("\n"u8.ToArray(), _tokenizer.TokenBytes(_tokenizer.TokenToId("Ċ")!.Value));
        Assert.Equal("<|im_end|>"u8.ToArray(), _tokenizer.TokenBytes(458));
        var all = _tokenizer.Encode("naïve 🦀").SelectMany(_tokenizer.TokenBytes).ToArray();
        Assert.Equal(Encoding.UTF8.GetBytes("naïve 🦀"), all);
        Assert.Throws<ArgumentOutOfRangeException>(() => _tokenizer.TokenBytes(459));
        Assert.Throws<ArgumentOutOfRangeException>(() => _tokenizer.Decode([-1]));
    }

    [Theory]
    [MemberData(nameof(Texts))]
    public void IncrementalDecodingEqualsDecodeOfAll(string text)
    {
        var ids = _tokenizer.Encode(text);
        var decoder = new IncrementalDecoder(_tokenizer);
        var pieces = ids.Select(decoder.Push).ToList();
        var rest = decoder.Flush();
        Assert.Equal(_tokenizer.Decode(ids), string.Concat(pieces) + rest);
        Assert.Equal(string.Empty, rest);
        Assert.DoesNotContain(pieces, p => p.Contains('\uFFFD'));
    }

    [Fact]
    public void IncrementalDecoderHoldsSplitCharacters()
    {
        var ids = _tokenizer.Encode("🦀");
        Assert.True(ids.Count > 1); // the tiny vocabulary spells it in pieces of its 4 UTF-8 bytes
        var decoder = new IncrementalDecoder(_tokenizer);
        Assert.Equal([.. Enumerable.Repeat("", ids.Count - 1), "🦀"], ids.Select(decoder.Push).ToArray());

        var cjk = _tokenizer.Encode("界");
        Assert.Equal(3, cjk.Count);
        Assert.Equal("", decoder.Push(cjk[0]));
        Assert.Equal("", decoder.Push(cjk[1]));
        Assert.Equal("\uFFFD", decoder.Flush()); // an incomplete character at the end
        Assert.Equal("ok", string.Concat(_tokenizer.Encode("ok").Select(decoder.Push)));
    }

    [Fact]
    public void IncrementalDecoderCanSkipSpecialTokens()
    {
        var ids = _tokenizer.Encode("<|im_start|>assistant\nHello 😀<|im_end|>");
        var decoder = new IncrementalDecoder(_tokenizer, skipSpecialTokens: true);
        Assert.Equal("assistant\nHello 😀", string.Concat(ids.Select(decoder.Push)) + decoder.Flush());
        Assert.Equal("assistant\nHello 😀", _tokenizer.Decode(ids, skipSpecialTokens: true));
    }

    [Fact]
    public void IncrementalDecodingOfArbitraryBytesMatchesDecode()
    {
        var random = new Random(1234);
        for (var round = 0; round < 200; round++)
        {
            var ids = Enumerable.Range(0, random.Next(1, 12)).Select(_ => random.Next(0, 256)).ToArray();
            var decoder = new IncrementalDecoder(_tokenizer);
            var streamed = string.Concat(ids.Select(decoder.Push)) + decoder.Flush();
            Assert.Equal(_tokenizer.Decode(ids), streamed);
        }
    }

    [Fact]
    public void StringMergesAndGapsInIdsAreRead()
    {
        using var folder = new TempFolder();
        var json = ReadTiny();
        var merges = json["model"]!["merges"]!.AsArray();
        var asStrings = new JsonArray([.. merges.Select(m => (JsonNode)JsonValue.Create($"{m![0]} {m[1]}"))]);
        json["model"]!["merges"] = asStrings;
        json["added_tokens"]!.AsArray().Add(new JsonObject
        {
            ["id"] = 470,
            ["content"] = "<think>",
            ["special"] = false,
        });
        File.WriteAllText(Path.Combine(folder.Path, "tokenizer.json"), json.ToJsonString());

        var loaded = TextTokenizer.Load(folder.Path);
        Assert.Equal(471, loaded.VocabSize);
        Assert.Equal("[PAD465]", loaded.Tokens[465]);
        Assert.Empty(loaded.TokenBytes(465));
        Assert.Equal([470], loaded.Encode("<think>"));
        Assert.False(loaded.IsSpecial(470));
        Assert.Equal("<think>", loaded.Decode([470], skipSpecialTokens: true));
        Assert.Null(loaded.EosToken); // no tokenizer_config.json in this folder
        foreach (var text in TokenizerCorpus.Texts)
        {
            Assert.Equal(_tokenizer.Encode(text), loaded.Encode(text));
        }
    }

    [Fact]
    public void MissingTokenizerFileIsNamed()
    {
        using var folder = new TempFolder();
        var error = Assert.Throws<FileNotFoundException>(() => TextTokenizer.Load(folder.Path));
        Assert.Contains(Path.Combine(folder.Path, "tokenizer.json"), error.Message);
    }

    [Fact]
    public void GarbledJsonNamesTheFile()
    {
        using var folder = new TempFolder();
        var path = Path.Combine(folder.Path, "tokenizer.json");
        File.WriteAllText(path, "{ \"model\": { \"type\": \"BPE\", ");
        var error = Assert.Throws<InvalidDataException>(() => TextTokenizer.Load(folder.Path));
        Assert.Contains(path, error.Message);
        Assert.Contains("not valid JSON", error.Message);
    }

    [Fact]
    public void GarbledConfigNamesTheConfigFile()
    {
        using var folder = new TempFolder();
        TinyTokenizerFactory.Write(folder.Path, mergeCount: 10);
        var path = Path.Combine(folder.Path, "tokenizer_config.json");
        File.WriteAllText(path, "[1, 2");
        var error = Assert.Throws<InvalidDataException>(() => TextTokenizer.Load(folder.Path));
        Assert.Contains(path, error.Message);
    }

    [Theory]
    [InlineData("model.type", "model.type")]
    [InlineData("pre_tokenizer", "pre_tokenizer")]
    [InlineData("regex", "Split regex")]
    [InlineData("normalizer", "normalizer")]
    [InlineData("vocab", "model.vocab")]
    public void UnsupportedShapesNameTheFileAndTheProblem(string change, string expected)
    {
        using var folder = new TempFolder();
        var json = ReadTiny();
        switch (change)
        {
            case "model.type":
                json["model"]!["type"] = "WordPiece";
                break;
            case "pre_tokenizer":
                json["pre_tokenizer"] = new JsonObject { ["type"] = "Metaspace", ["replacement"] = "▁" };
                break;
            case "regex":
                json["pre_tokenizer"]!["pretokenizers"]![0]!["pattern"]!["Regex"] = @"\w+";
                break;
            case "normalizer":
                json["normalizer"] = new JsonObject { ["type"] = "Lowercase" };
                break;
            case "vocab":
                json["model"]!["vocab"]!["!"] = "zero";
                break;
        }

        var path = Path.Combine(folder.Path, "tokenizer.json");
        File.WriteAllText(path, json.ToJsonString());
        var error = Assert.Throws<InvalidDataException>(() => TextTokenizer.Load(folder.Path));
        Assert.Contains(path, error.Message);
        Assert.Contains(expected, error.Message);
    }

    private JsonNode ReadTiny() => JsonNode.Parse(File.ReadAllText(Path.Combine(tiny.Folder, "tokenizer.json")))!;
}
