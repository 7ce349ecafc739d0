using FineTuneMesh.Core.Evaluation;
using FineTuneMesh.Core.Generation;
using FineTuneMesh.Core.Lora;
using FineTuneMesh.Prompts;
using FineTuneMesh.Core.Training;
using Xunit.Abstractions;

namespace FineTuneMesh.Core.Tests.Evaluation;

/// <summary>
/// The evaluator on the tiny random model: untrained it does not follow the template; after a short
/// LoRA run on 16 records it does on every training prompt, and on most of 8 questions it never saw.
/// </summary>
public class EvaluatorTests(TinyModelFolder tiny, ITestOutputHelper output) : IClassFixture<TinyModelFolder>
{
    private static readonly PromptTemplate _template =
        PromptTemplate.Parse("### You asked:\n{question}\n\n### The answer is:\n{answer}\n### DONE!");

    private static readonly SamplingOptions _greedy = new() { Temperature = 0, MaxNewTokens = 48 };

    private static readonly IReadOnlyDictionary<string, string>[] _training =
    [
        Record("What is a list?", "An ordered, mutable sequence."),
        Record("What is a tuple?", "An ordered, immutable sequence."),
        Record("What does len do?", "It returns the number of items."),
        Record("What is a dict?", "A mapping from keys to values."),
        Record("How do I loop?", "Use a for statement."),
        Record("What is None?", "The null object."),
        Record("What is a set?", "An unordered collection of unique items."),
        Record("How do I print?", "Call the print function."),
        Record("What is a string?", "A sequence of characters."),
        Record("What does range do?", "It makes a sequence of numbers."),
        Record("What is an int?", "A whole number."),
        Record("How do I sort?", "Call sorted on it."),
        Record("What is a float?", "A number with a fraction."),
        Record("What does map do?", "It applies a function to each item."),
        Record("How do I import?", "Write import and a module name."),
        Record("What is a module?", "A file of Python code."),
    ];

    private static readonly IReadOnlyDictionary<string, string>[] _heldOut =
    [
        new Dictionary<string, string> { ["question"] = "What is a class?" },
        new Dictionary<string, string> { ["question"] = "How do I open a file?" },
        new Dictionary<string, string> { ["question"] = "What does zip do?" },
        new Dictionary<string, string> { ["question"] = "Why use a generator?" },
        new Dictionary<string, string> { ["question"] = "What is a lambda?" },
        new Dictionary<string, string> { ["question"] = "How do I read input?" },
        new Dictionary<string, string> { ["question"] = "What does join do?" },
        new Dictionary<string, string> { ["question"] = "What is a bool?" },
    ];

    [Fact]
    public async Task TrainingMakesTheModelAdhereOnTrainingAndHeldOutPrompts()
    {
        using var model = LanguageModel.Load(tiny.Path);
        var untrainedSeen = await Evaluator.RunAsync(model, _template, _training, _greedy);
        var untrainedHeldOut = await Evaluator.RunAsync(model, _template, _heldOut, _greedy);

        var examples = _training.Select((r, i) => TemplateExamples.Build(_template, r, model.Tokenizer, 256, $"record {i}")).ToList();
        LoraApplier.Apply(model.Network, new LoraSettings { Rank = 8, Alpha = 16, TargetModules = ["all-linear"] }, seed: 2);
        var losses = new LoraTrainer(model.Network, new TrainingOptions
        {
            LearningRate = 1e-2, Epochs = 50, BatchSize = 5, WarmupFraction = 0.05, Seed = 2,
        }).Train(examples).Losses;
        var trainedSeen = await Evaluator.RunAsync(model, _template, _training, _greedy);
        var trainedHeldOut = await Evaluator.RunAsync(model, _template, _heldOut, _greedy);

        output.WriteLine($"loss {losses[0]:F3} -> {losses[^1]:F3} over {losses.Count} steps");
        foreach (var (name, report) in new[] { ("untrained, training prompts", untrainedSeen), ("untrained, held-out", untrainedHeldOut),
            ("trained, training prompts", trainedSeen), ("trained, held-out", trainedHeldOut) })
        {
            output.WriteLine($"{name}: adherent {report.AdherenceRate:P0} early {report.EarlyStopRate:P0} run-on {report.RunOnRate:P0} " +
                $"malformed {report.MalformedRate:P0} exact {report.ExactMatchRate:P0} avg {report.AverageTokens:F1} tokens");
            foreach (var row in report.Examples)
            {
                output.WriteLine($"  [{row.Class}] {row.Fields["question"]} -> {row.Text.ReplaceLineEndings("\\n")}");
            }
        }

        Assert.Equal(0, untrainedSeen.Adherent);
        Assert.True(untrainedHeldOut.AdherenceRate <= 0.25);
        Assert.Null(untrainedHeldOut.ExactMatchRate);
        Assert.Equal(0, untrainedSeen.ExactMatches);

        Assert.Equal(1.0, trainedSeen.AdherenceRate);
        Assert.True(trainedSeen.ExactMatchRate >= 0.9, $"exact match {trainedSeen.ExactMatchRate}");
        Assert.All(trainedSeen.Examples, e => Assert.Equal(e.Expected, e.Answer));
        // Unseen questions: the tiny model's held-out adherence swings between 0.4 and 0.9 with the seed
        // (the misses run on), so this asserts the clear, robust gain rather than a high bar.
        Assert.True(trainedHeldOut.AdherenceRate >= 0.5 && trainedHeldOut.AdherenceRate >= untrainedHeldOut.AdherenceRate + 0.5,
            $"held-out adherence {untrainedHeldOut.AdherenceRate} -> {trainedHeldOut.AdherenceRate}");
    }

    [Fact]
    public async Task ARecordWithoutAPromptFieldIsNamed()
    {
        var error = await Assert.ThrowsAsync<ArgumentException>(() => Evaluator.RunAsync(tiny.Model, _template,
            [Record("What is a list?", "A list."), new Dictionary<string, string> { ["answer"] = "x" }], _greedy with { MaxNewTokens = 2 }));

        Assert.Contains("record 2", error.Message);
        Assert.Contains("question", error.Message);
    }

    private static Dictionary<string, string> Record(string question, string answer) =>
        new() { ["question"] = question, ["answer"] = answer };
}
