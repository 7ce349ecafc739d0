using FineTuneMesh.Core.Generation;
using FineTuneMesh.Core.Lora;
using FineTuneMesh.Prompts;
using FineTuneMesh.Core.Training;
using Xunit.Abstractions;

namespace FineTuneMesh.Core.Tests.Training;

public class LoraTrainerTests(TinyModelFolder tiny, ITestOutputHelper output) : IClassFixture<TinyModelFolder>
{
    private static readonly PromptTemplate _template =
        PromptTemplate.Parse("### You asked:\n{question}\n\n### The answer is:\n{answer}\n### DONE!");

    private static readonly (string Question, string Answer)[] _records =
    [
        ("What is a list?", "An ordered, mutable sequence."),
        ("What is a tuple?", "An ordered, immutable sequence."),
        ("What does len do?", "It returns the number of items."),
        ("What is a dict?", "A mapping from keys to values."),
        ("How do I loop?", "Use a for statement."),
        ("What is None?", "The null object."),
    ];

    [Fact]
    public async Task TrainingTeachesTheTemplateAndTheStop()
    {
        using var model = LanguageModel.Load(tiny.Path);
        var examples = _records.Select((r, i) => TemplateExamples.Build(_template,
            new Dictionary<string, string> { ["question"] = r.Question, ["answer"] = r.Answer }, model.Tokenizer, 256, $"record {i}")).ToList();
        LoraApplier.Apply(model.Network, new LoraSettings { Rank = 8, Alpha = 16, TargetModules = ["all-linear"] }, seed: 1);

        var losses = new LoraTrainer(model.Network, new TrainingOptions
        {
            LearningRate = 1e-2, Epochs = 40, BatchSize = 3, WarmupFraction = 0.05, Seed = 1,
        }).Train(examples).Losses;

        output.WriteLine($"loss {losses[0]:F3} -> {losses[^1]:F3} over {losses.Count} steps");
        Assert.True(losses[^1] < 0.1 * losses[0], $"loss {losses[0]:F3} -> {losses[^1]:F3}");
        var greedy = new SamplingOptions { Temperature = 0, MaxNewTokens = 60, StopStrings = [_template.StopString!] };
        foreach (var (question, answer) in _records)
        {
            var prompt = model.Tokenizer.Encode(_template.RenderPrompt(new Dictionary<string, string> { ["question"] = question }));
            var (text, summary) = await model.Generator.GenerateAsync(prompt, greedy);
            Assert.Equal(answer + "\n", text);
            Assert.Equal(FinishReason.Stop, summary.FinishReason);
        }
    }

    [Fact]
    public void AnExampleWithNothingToLearnOrTooLongFailsFast()
    {
        var tooLong = Assert.Throws<InvalidDataException>(() => TemplateExamples.Build(_template,
            new Dictionary<string, string> { ["question"] = "q", ["answer"] = new string('a', 400) }, tiny.Model.Tokenizer, 64, "record 7"));
        Assert.Contains("record 7", tooLong.Message);
        Assert.Contains("maximum sequence length 64", tooLong.Message);

        using var frozen = LanguageModel.Load(tiny.Path);
        var error = Assert.Throws<InvalidOperationException>(() => new LoraTrainer(frozen.Network, new TrainingOptions())
            .Train([new TrainingExample([1, 2], [3])]));
        Assert.Contains("apply LoRA adapters first", error.Message);
    }
}
