using System.ComponentModel;
using System.Diagnostics;
using System.Globalization;
using FineTuneMesh.Core;
using FineTuneMesh.Core.Checkpoints;
using FineTuneMesh.Core.Evaluation;
using FineTuneMesh.Core.Generation;
using FineTuneMesh.Core.Kernels;
using FineTuneMesh.Core.Lora;
using FineTuneMesh.Core.Modeling;
using FineTuneMesh.Core.Training;
using FineTuneMesh.Prompts;
using Spectre.Console;
using Spectre.Console.Cli;

namespace FineTuneMesh.Cli.Commands;

/// <summary>
/// <c>bench speculate</c>: speculative decoding on a template workload. An adapter is trained on
/// the sample dataset (the tiny model learns the template in seconds), then the held-out questions
/// are answered greedily with and without speculation: tokens/s per stream, acceptance rate, and
/// whether every answer is identical (greedy; sampled answers with <c>--temperature</c> share only
/// their distribution, so that column reads "sampled"). The same prompts on the base model without the adapter show
/// what speculation does where the drafts come from the prompt alone (random weights: drafts fail
/// on the tiny model, while the 0.5B shapes fall into loops that drafts catch). A benchmark, not a
/// test: it prints a table.
/// </summary>
public sealed class BenchSpeculateCommand : Command<BenchSpeculateCommand.Settings>
{
    public sealed class Settings : CommandSettings
    {
        [CommandOption("-m|--model <DIR>"), Description("Model folder (default: a tiny model made for the run).")]
        public string? Model { get; init; }
        [CommandOption("--data <FILE>")] public string Data { get; init; } = "samples/python-qa/dataset.jsonl";
        [CommandOption("--template <FILE>")] public string Template { get; init; } = "samples/python-qa/template.txt";
        [CommandOption("--held-out <N>"), Description("Records kept out of training and asked (default 10).")] public int HeldOut { get; init; } = 10;
        [CommandOption("--epochs <N>")] public int Epochs { get; init; } = 30;
        [CommandOption("--max-tokens <N>")] public int MaxTokens { get; init; } = 96;
        [CommandOption("--dtype <DTYPE>"), Description("Compute dtype for training and generating (default auto).")] public string DType { get; init; } = "auto";
        [CommandOption("--temperature <T>"), Description("0 (default) answers greedily; above 0 samples with a fixed seed, drafts kept by the acceptance rule.")]
        public double Temperature { get; init; }
    }

    public override int Execute(CommandContext context, Settings settings, CancellationToken cancellationToken)
    {
        var scratch = Path.Combine(Path.GetTempPath(), $"ftm-speculate-{Guid.NewGuid():N}");
        try
        {
            return Run(settings, settings.Model is { } model ? ModelLocator.Resolve(model) : MakeTinyModel(scratch), cancellationToken);
        }
        finally
        {
            if (Directory.Exists(scratch))
            {
                Directory.Delete(scratch, recursive: true);
            }
        }
    }

    private static int Run(Settings settings, string folder, CancellationToken cancellationToken)
    {
        var template = PromptTemplate.Parse(File.ReadAllText(settings.Template));
        var records = EvaluationRecords.Read(settings.Data);
        var (train, heldOut) = (records.Take(records.Count - settings.HeldOut).ToList(), records.Skip(records.Count - settings.HeldOut).ToList());
        // Both models in what training computes in here, so the adapter runs as it was trained.
        var plan = ComputePlan.Choose(settings.DType, ComputeWork.Training, CpuFeatures.Current);
        AnsiConsole.MarkupLineInterpolated(CultureInfo.InvariantCulture,
            $"CPU: [bold]{CpuFeatures.Current.Describe()}[/], {Environment.ProcessorCount} threads; weights {plan.Summary}; temperature {settings.Temperature}");

        using var baseModel = LanguageModel.Load(folder, plan.Weights);
        using var taught = LanguageModel.Load(folder, plan.Weights);
        var clock = Stopwatch.StartNew();
        var examples = train.Select((r, i) => TemplateExamples.Build(template, r, taught.Tokenizer, 256, $"record {i}")).ToList();
        LoraApplier.Apply(taught.Network, new LoraSettings { Rank = 8, Alpha = 16, TargetModules = ["all-linear"] }, seed: 1);
        var losses = new LoraTrainer(taught.Network, new TrainingOptions
        {
            LearningRate = 1e-2, Epochs = settings.Epochs, BatchSize = 4, WarmupFraction = 0.05, Seed = 1,
        }).Train(examples, cancellationToken: cancellationToken).Losses;
        taught.Network.eval();
        AnsiConsole.MarkupLineInterpolated(CultureInfo.InvariantCulture,
            $"trained an adapter on {train.Count} records in {clock.Elapsed.TotalSeconds:F1} s (loss {losses[0]:F3} -> {losses[^1]:F3}); asking {heldOut.Count} held-out questions");

        var tail = template.RenderFull(heldOut[0].ToDictionary(p => p.Key, p => p.Key == template.Fields[^1] ? "" : p.Value));
        var options = new SamplingOptions
        {
            Temperature = settings.Temperature, Seed = settings.Temperature > 0 ? 1 : null, MaxNewTokens = settings.MaxTokens, StopStrings = template.StopString is { } stop ? [stop] : [],
            ExpectedTexts = [tail[template.RenderPrompt(heldOut[0]).Length..]],
        };
        var table = new Table().AddColumns("model", "plain tok/s", "speculative tok/s", "speedup", "drafts accepted", "identical answers");
        foreach (var (name, model) in new[] { ("adapter taught the template", taught), ("base model, no adapter", baseModel) })
        {
            var plain = Measure(model, template, heldOut, options with { DraftTokens = 0 });
            var speculative = Measure(model, template, heldOut, options);
            var identical = plain.Answers.Zip(speculative.Answers).Count(p => p.First.SequenceEqual(p.Second));
            table.AddRow(name, $"{plain.TokensPerSecond:F1}", $"{speculative.TokensPerSecond:F1}", $"{speculative.TokensPerSecond / plain.TokensPerSecond:F2}x",
                $"{speculative.Accepted}/{speculative.Drafted} ({(speculative.Drafted == 0 ? 0 : (double)speculative.Accepted / speculative.Drafted):P0})",
                options.IsGreedy ? $"{identical}/{heldOut.Count}" : "sampled");
        }

        AnsiConsole.Write(table);
        return 0;
    }

    private sealed record Measurement(double TokensPerSecond, int Drafted, int Accepted, IReadOnlyList<IReadOnlyList<int>> Answers);

    private static Measurement Measure(LanguageModel model, PromptTemplate template, IReadOnlyList<IReadOnlyDictionary<string, string>> records,
        SamplingOptions options)
    {
        var (tokens, seconds, drafted, accepted) = (0, 0.0, 0, 0);
        var answers = new List<IReadOnlyList<int>>();
        // One warm-up answer: the first generation pays for JIT and kernel set-up.
        model.Generator.GenerateAsync(model.Tokenizer.Encode(template.RenderPrompt(records[0])), options).GetAwaiter().GetResult();
        foreach (var record in records)
        {
            var prompt = model.Tokenizer.Encode(template.RenderPrompt(record));
            var clock = Stopwatch.StartNew();
            var (_, summary) = model.Generator.GenerateAsync(prompt, options).GetAwaiter().GetResult();
            seconds += clock.Elapsed.TotalSeconds;
            tokens += summary.CompletionTokens;
            drafted += summary.DraftedTokens;
            accepted += summary.AcceptedDraftTokens;
            answers.Add(summary.CompletionTokenIds);
        }

        return new Measurement(tokens / seconds, drafted, accepted, answers);
    }

    private static string MakeTinyModel(string folder)
    {
        ModelFolderInitializer.Write(folder, new ModelFolderInitializer.Options { Std = 0.2, Seed = 11 });
        return folder;
    }
}
