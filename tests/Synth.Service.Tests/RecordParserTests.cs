using FineTuneMesh.Synth.Service.Generation;

namespace FineTuneMesh.Synth.Service.Tests;

public sealed class RecordParserTests
{
    private static readonly string[] _fields = ["question", "answer"];

    [Fact]
    public void AnArray_InChatterAndAFence_IsFound()
    {
        var reply = """
            Sure! Here are the examples you asked for:

            ```json
            [
              {"question": "What is a set?", "answer": "A collection of unique items."},
              {"question": "What does zip do?", "answer": "It pairs items."},
            ]
            ```
            Let me know if you need more.
            """;

        var parsed = RecordParser.Parse(reply, _fields);

        Assert.Equal(["What is a set?", "What does zip do?"], parsed.Records.Select(r => r["question"]));
        Assert.Equal(0, parsed.Unreadable);
    }

    [Fact]
    public void AnExamplesObject_IsUnwrapped()
    {
        var parsed = RecordParser.Parse("""{"examples": [{"question": "Q1?", "answer": "A1."}, {"question": "Q2?", "answer": "A2."}]}""", _fields);

        Assert.Equal(2, parsed.Records.Count);
        Assert.Equal("A2.", parsed.Records[1]["answer"]);
    }

    [Fact]
    public void JsonLines_WithTextBetween_AreAllFound_AndValuesTrimmed()
    {
        var reply = "1. {\"question\": \"Q1?\", \"answer\": \"A1.\"}\n2. {\"Question\": \"  Q2?\", \"Answer\": \"A2.\\n\"}\n";

        var parsed = RecordParser.Parse(reply, _fields);

        Assert.Equal(["Q1?", "Q2?"], parsed.Records.Select(r => r["question"]));
        Assert.Equal("A2.", parsed.Records[1]["answer"]);
    }

    [Fact]
    public void BrokenJson_IsCounted_AndTheGoodRecordsAroundItKept()
    {
        var reply = """
            {"question": "Q1?", "answer": "A1."}
            {"question": "Q2?", "answer": "A2
            {"question": "Q3?", "answer": "A3."}
            """;

        var parsed = RecordParser.Parse(reply, _fields);

        Assert.Equal(["Q1?", "Q3?"], parsed.Records.Select(r => r["question"]));
        Assert.True(parsed.Unreadable >= 1);
    }

    [Fact]
    public void ChatterWithoutRecords_YieldsNone()
    {
        var parsed = RecordParser.Parse("I'm sorry, I can't help with that [1].", _fields);

        Assert.Empty(parsed.Records);
    }

    [Fact]
    public void NonStringValues_BecomeEmpty_SoTheGateNamesThem()
    {
        var parsed = RecordParser.Parse("""[{"question": "Q?", "answer": 42}]""", _fields);

        Assert.Equal("", Assert.Single(parsed.Records)["answer"]);
    }
}
