using FineTuneMesh.Core.Generation;
using FineTuneMesh.Core.Lora;
using FineTuneMesh.Core.Training;
using FineTuneMesh.Prompts;
using Xunit.Abstractions;

namespace FineTuneMesh.Core.Tests.Generation;

/// <summary>
/// Speculative greedy decoding gives exactly plain greedy decoding's output, token for token, on a
/// tiny model taught a template whose answers echo the question and end in fixed text (so drafts
/// from the prompt and from the template's text are accepted, and the stop string falls inside an
/// accepted draft); sampled drafts are kept by the acceptance rule, which leaves the distribution
/// unchanged; the drafter proposes what followed an earlier occurrence.
/// </summary>
public sealed class SpeculationTests(SpeculationTests.TemplateModel taught, ITestOutputHelper output)
    : IClassFixture<SpeculationTests.TemplateModel>
{
    [Fact]
    public async Task Speculative_EqualsPlainGreedy_TokenForToken_WithDraftsAccepted_AndTheStopInsideADraft()
    {
        var (drafted, accepted) = (0, 0);
        foreach (var question in TemplateModel.Questions)
        {
            var prompt = taught.Model.Tokenizer.Encode(TemplateModel.Template.RenderPrompt(new Dictionary<string, string> { ["question"] = question }));
            var plain = await taught.Model.Generator.GenerateAsync(prompt, taught.Greedy with { DraftTokens = 0 });
            var speculative = await taught.Model.Generator.GenerateAsync(prompt, taught.Greedy);

            Assert.Equal(plain.Summary.CompletionTokenIds, speculative.Summary.CompletionTokenIds);
            Assert.Equal((plain.Text, plain.Summary.FinishReason, plain.Summary.MatchedStopString),
                (speculative.Text, speculative.Summary.FinishReason, speculative.Summary.MatchedStopString));
            Assert.Equal(0, plain.Summary.DraftedTokens);
            (drafted, accepted) = (drafted + speculative.Summary.DraftedTokens, accepted + speculative.Summary.AcceptedDraftTokens);
            output.WriteLine($"{question} -> {speculative.Text.Replace("\n", "\\n")} ({speculative.Summary.FinishReason}; "
                + $"{speculative.Summary.AcceptedDraftTokens}/{speculative.Summary.DraftedTokens} drafts accepted)");
        }

        Assert.True(accepted > 0, $"drafted {drafted}, accepted {accepted}");
    }

    [Fact]
    public async Task SampledGeneration_IsSpeculated_AndASeedStillGivesTheSameText()
    {
        var prompt = taught.Model.Tokenizer.Encode(TemplateModel.Template.RenderPrompt(new Dictionary<string, string> { ["question"] = "What is a list?" }));
        var sampled = taught.Greedy with { Temperature = 0.5, Seed = 3 };
        var first = await taught.Model.Generator.GenerateAsync(prompt, sampled);
        var again = await taught.Model.Generator.GenerateAsync(prompt, sampled);

        Assert.Equal(first.Summary.CompletionTokenIds, again.Summary.CompletionTokenIds);
        Assert.True(first.Summary.AcceptedDraftTokens > 0, $"{first.Summary.AcceptedDraftTokens}/{first.Summary.DraftedTokens} drafts accepted");
        output.WriteLine($"{first.Text.Replace("\n", "\\n")} ({first.Summary.AcceptedDraftTokens}/{first.Summary.DraftedTokens} drafts accepted)");
    }

    /// <summary>
    /// The acceptance rule leaves the distribution as it is: drawn many times with a draft (likely,
    /// unlikely, or cut by top-k), each token comes out as often as plain sampling draws it.
    /// </summary>
    [Theory]
    [InlineData(0, 0)]   // the likeliest token drafted
    [InlineData(4, 0)]   // an unlikely one
    [InlineData(5, 3)]   // one that top-k removes: never kept
    public void TheAcceptanceRule_LeavesTheDistributionUnchanged(int draft, int topK)
    {
        using var logits = TorchSharp.torch.tensor(new[] { 2.0f, 1.5f, 1.0f, 0.2f, -0.5f, -1.0f });
        var options = new SamplingOptions { Temperature = 0.9, TopK = topK, TopP = 1.0, MinP = 0, RepetitionPenalty = 1.0 };
        const int Draws = 20_000;
        var plain = Histogram(new LogitsSampler(options with { Seed = 1 }), s => s.Next(logits, []));
        var drafted = Histogram(new LogitsSampler(options with { Seed = 2 }), s => s.NextGiven(logits, [], draft));

        var totalVariation = plain.Zip(drafted, (a, b) => Math.Abs(a - b)).Sum() / 2.0 / Draws;
        output.WriteLine($"total variation {totalVariation:F4}: plain [{string.Join(", ", plain)}], drafted [{string.Join(", ", drafted)}]");
        Assert.True(totalVariation < 0.02, $"total variation {totalVariation:F4}: plain [{string.Join(", ", plain)}], drafted [{string.Join(", ", drafted)}]");
        if (topK > 0)
        {
            Assert.Equal(0, drafted[draft]);
        }

        static int[] Histogram(LogitsSampler sampler, Func<LogitsSampler, int> draw)
        {
            var counts = new int[6];
            for (var i = 0; i < Draws; i++)
            {
                counts[draw(sampler)]++;
            }

            return counts;
        }
    }

    /// <summary>
    /// Drafts that keep failing shrink to one token, and then drafting pauses for 1, 2, 4 ... steps
    /// (the step is not even asked), so a stream where drafts never match pays for few of them.
    /// </summary>
    [Fact]
    public async Task RefusedDrafts_Shrink_ThenDraftingPausesForLongerEachTime()
    {
        var speculation = new Speculation(new PromptLookupDrafter([]), maxDraft: 8, argmaxOnly: true);
        var sampler = new LogitsSampler(new SamplingOptions { Temperature = 0 });
        using var cache = new FineTuneMesh.Core.Modeling.KvCache(1);
        var draftLengths = new List<int>();
        // The model always picks token 0; the drafter always proposes what followed "1 2" before: 3 1 2.
        Task<TorchSharp.torch.Tensor?> AlwaysZero(long[] tokens, FineTuneMesh.Core.Modeling.KvCache _)
        {
            draftLengths.Add(tokens.Length - 1);
            var logits = TorchSharp.torch.zeros(tokens.Length, 10);
            logits.select(1, 0).fill_(1);
            return Task.FromResult<TorchSharp.torch.Tensor?>(logits);
        }

        var drafted = new List<bool>();
        for (var i = 0; i < 12; i++)
        {
            var decided = await speculation.StepAsync(AlwaysZero, 2, cache, sampler, [1, 2, 3, 1, 2], room: 50, t => t);
            drafted.Add(decided is not null);
            Assert.True(decided is null || decided.SequenceEqual([0]));
        }

        Assert.Equal([3, 2, 1, 1, 1], draftLengths);
        Assert.Equal([true, true, true, false, true, false, false, true, false, false, false, false], drafted);
    }

    [Fact]
    public void TheDrafter_ProposesWhatFollowedTheLatestEarlierOccurrence_ThenTheExpectedText()
    {
        var drafter = new PromptLookupDrafter([40, 41, 42, 43, 44]);
        Assert.Equal([7, 8], drafter.Draft([5, 6, 7, 8, 9, 5, 6], 2));                       // "5 6" was followed by 7 8
        Assert.Equal([43, 44], drafter.Draft([1, 2, 41, 42], 4));                            // from the expected text
        Assert.Empty(drafter.Draft([1, 2, 3, 4], 4));                                        // nothing repeats
        Assert.Empty(drafter.Draft([5, 6, 5, 6], 0));
    }

    /// <summary>The tiny model with a LoRA adapter taught a template whose answers repeat the question.</summary>
    public sealed class TemplateModel : IDisposable
    {
        public static readonly PromptTemplate Template =
            PromptTemplate.Parse("### You asked:\n{question}\n\n### The answer is:\n{answer}\n\nI hope this is helpful!\n\n### DONE!");

        public static readonly string[] Questions =
            ["What is a list?", "What is a tuple?", "What does len do?", "What is a dict?", "How do I loop?", "What is None?"];

        private readonly TinyModelFolder _folder = new();

        public TemplateModel()
        {
            Model = LanguageModel.Load(_folder.Path);
            var examples = Questions.Select((q, i) => TemplateExamples.Build(Template,
                new Dictionary<string, string> { ["question"] = q, ["answer"] = $"You asked {q} Good question: {q}" }, Model.Tokenizer, 256,
                $"record {i}")).ToList();
            LoraApplier.Apply(Model.Network, new LoraSettings { Rank = 8, Alpha = 16, TargetModules = ["all-linear"] }, seed: 1);
            new LoraTrainer(Model.Network, new TrainingOptions { LearningRate = 1e-2, Epochs = 40, BatchSize = 3, WarmupFraction = 0.05, Seed = 1 })
                .Train(examples);
            Model.Network.eval();
            var tail = Template.RenderFull(new Dictionary<string, string> { ["question"] = "", ["answer"] = "" });
            Greedy = new SamplingOptions
            {
                Temperature = 0,
                MaxNewTokens = 60,
                StopStrings = [Template.StopString!],
                ExpectedTexts = [tail[tail.IndexOf("\n\nI hope", StringComparison.Ordinal)..]],
            };
        }

        public LanguageModel Model { get; }

        public SamplingOptions Greedy { get; }

        public void Dispose()
        {
            Model.Dispose();
            _folder.Dispose();
        }
    }
}
