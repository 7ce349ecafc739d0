using FineTuneMesh.Prompts;
using FineTuneMesh.Core.Tokenization;
using FineTuneMesh.Core.Training;
using FineTuneMesh.Synth.Service.Quality;

namespace FineTuneMesh.Synth.Service.Tests;

/// <summary>The shipped sample (samples/python-qa): valid under its template, free of duplicates, readable by the trainer's reader.</summary>
public sealed class SampleDatasetTests
{
    [Fact]
    public void Template_HasQuestionAndAnswerAndAStopMarker()
    {
        var template = Sample.Template;

        Assert.Equal(["question", "answer"], template.Fields);
        Assert.Equal("### DONE!", template.StopString);
    }

    [Fact]
    public void Dataset_HasFiftyOrMoreRecords_AndTheSeedsAreItsFirstTwo()
    {
        var dataset = Sample.Dataset;
        var seeds = Sample.Seeds;

        Assert.True(dataset.Count >= 50, $"{dataset.Count} records");
        Assert.Equal(2, seeds.Count);
        Assert.Equal(seeds, dataset.Take(2));
    }

    [Fact]
    public void EveryRecord_PassesTheQualityGate_WithNoDuplicates()
    {
        var shape = TemplateShape.Of(Sample.Template);
        var gate = new QualityGate(new TemplateValidator(shape, maxFieldChars: 2000, maxExampleChars: 4000), [], nearDuplicateThreshold: 0.7);

        var rejections = Sample.Dataset.Select((record, i) => (i, gate.Offer(1, record, int.MaxValue))).Where(r => r.Item2 is not null).ToList();

        Assert.True(rejections.Count == 0, string.Join("\n", rejections.Select(r => $"line {r.i + 1}: {r.Item2}")));
    }

    [Fact]
    public void Dataset_IsReadByCoresDatasetReader_WithTheTemplate()
    {
        using var folder = new TempFolder();
        TinyTokenizerFactory.Write(folder.Path);
        var tokenizer = TextTokenizer.Load(folder.Path);

        var examples = DatasetReader.Read(Path.Combine(Sample.Folder, "dataset.jsonl"), tokenizer, maxLength: 4096, Sample.Template);

        Assert.Equal(Sample.Dataset.Count, examples.Count);
        var first = Sample.Dataset[0];
        var completion = Sample.Template.RenderFull(first)[Sample.Template.RenderPrompt(first).Length..];
        Assert.Equal(tokenizer.Encode(completion), examples[0].CompletionIds);
    }

    [Fact]
    public void PromptTemplate_RoundTrips_ThroughTheShape()
    {
        var shape = TemplateShape.Of(PromptTemplate.Parse("Q: {q}\nA: {a}\nEND"));

        Assert.Equal(["Q: ", "\nA: ", "\nEND"], shape.Literals);
        Assert.Equal(["Q:", "A:", "END"], shape.Markers);
        Assert.Equal(new Dictionary<string, string> { ["q"] = "x", ["a"] = "y" }, shape.ReadBack("Q: x\nA: y\nEND"));
    }
}
