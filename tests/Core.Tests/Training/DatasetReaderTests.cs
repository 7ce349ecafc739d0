using FineTuneMesh.Prompts;
using FineTuneMesh.Core.Training;

namespace FineTuneMesh.Core.Tests.Training;

public class DatasetReaderTests(TinyModelFolder tiny) : IClassFixture<TinyModelFolder>
{
    private string Write(TempFolder folder, params string[] lines)
    {
        var path = folder.File("data.jsonl");
        File.WriteAllLines(path, lines);
        return path;
    }

    [Fact]
    public void PromptCompletionRecordsEndWithEos()
    {
        using var folder = new TempFolder();
        var tokenizer = tiny.Model.Tokenizer;
        var examples = DatasetReader.Read(Write(folder, """{"prompt": "Q: hi", "completion": " A: hello"}"""), tokenizer, 128);

        Assert.Equal(tokenizer.Encode("Q: hi"), examples[0].PromptIds);
        Assert.Equal([.. tokenizer.Encode(" A: hello"), tokenizer.EosTokenId!.Value], examples[0].CompletionIds);
    }

    [Fact]
    public void ChatRecordsSuperviseTheAnswerAndItsEndOfTurn()
    {
        using var folder = new TempFolder();
        var tokenizer = tiny.Model.Tokenizer;
        var examples = DatasetReader.Read(Write(folder,
            """{"messages": [{"role": "user", "content": "hi"}, {"role": "assistant", "content": "hello"}]}"""), tokenizer, 256);

        Assert.Equal("hello<|im_end|>\n", tokenizer.Decode(examples[0].CompletionIds));
        Assert.EndsWith("<|im_start|>user\nhi<|im_end|>\n<|im_start|>assistant\n", tokenizer.Decode(examples[0].PromptIds));
    }

    [Fact]
    public void TemplateRecordsUseTheTemplateAndNameMissingFields()
    {
        using var folder = new TempFolder();
        var template = PromptTemplate.Parse("Q: {question}\nA: {answer}\nEND");
        var path = Write(folder, """{"question": "a?", "answer": "b."}""", """{"question": "c?"}""");

        var error = Assert.Throws<InvalidDataException>(() => DatasetReader.Read(path, tiny.Model.Tokenizer, 128, template));

        Assert.Contains($"{path}:2", error.Message);
        Assert.Contains("missing field(s) answer", error.Message);
    }

    [Fact]
    public void UnusableRecordsFailWithFileAndLine()
    {
        using var folder = new TempFolder();
        var tokenizer = tiny.Model.Tokenizer;
        Assert.Contains(":1: a record needs", Assert.Throws<InvalidDataException>(
            () => DatasetReader.Read(Write(folder, """{"text": "x"}"""), tokenizer, 128)).Message);
        Assert.Contains("last message must be the assistant", Assert.Throws<InvalidDataException>(
            () => DatasetReader.Read(Write(folder, """{"messages": [{"role": "user", "content": "hi"}]}"""), tokenizer, 128)).Message);
        Assert.Contains(":2: not valid JSON", Assert.Throws<InvalidDataException>(
            () => DatasetReader.Read(Write(folder, "", "{oops"), tokenizer, 128)).Message);
        Assert.Contains("no records", Assert.Throws<InvalidDataException>(
            () => DatasetReader.Read(Write(folder, ""), tokenizer, 128)).Message);
    }
}
