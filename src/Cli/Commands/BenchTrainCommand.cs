using System.ComponentModel;
using System.Globalization;
using FineTuneMesh.Core.Kernels;
using FineTuneMesh.Core.Lora;
using FineTuneMesh.Core.Modeling;
using FineTuneMesh.Core.Training;
using Spectre.Console;
using Spectre.Console.Cli;

namespace FineTuneMesh.Cli.Commands;

/// <summary>
/// <c>bench train</c>: LoRA training speed through the real trainer on synthetic sequences, per
/// compute dtype and sequence length: step time, tokens/s, peak RSS and model FLOP utilisation
/// against the matrix-product peak measured in the same run. Then "the seed's job" end to end.
/// A benchmark, not a test: it prints tables and asserts nothing.
/// </summary>
public sealed class BenchTrainCommand : Command<BenchTrainCommand.Settings>
{
    private const int WarmupSteps = 2;
    private const double CompletionFraction = 0.25;

    public sealed class Settings : CommandSettings
    {
        [CommandOption("-m|--model <DIR>"), Description("Model folder (e.g. one made by `model init --preset qwen2.5-0.5b --dtype bf16`).")]
        public string Model { get; init; } = "";
        [CommandOption("--dtypes <LIST>"), Description("Comma-separated compute dtypes (default auto,bf16,fp32; auto is what a job gets on this CPU).")]
        public string DTypes { get; init; } = "auto,bf16,fp32";
        [CommandOption("--seq-lens <LIST>"), Description("Comma-separated sequence lengths (default 128,256).")]
        public string SequenceLengths { get; init; } = "128,256";
        [CommandOption("--steps <N>"), Description($"Timed steps per row, after 2 warm-up steps (default 6).")]
        public int Steps { get; init; } = 6;
        [CommandOption("--batch-size <N>")] public int BatchSize { get; init; } = 1;
        [CommandOption("--rank <R>")] public int Rank { get; init; } = 8;
        [CommandOption("--targets <LIST>")] public string Targets { get; init; } = "q_proj,v_proj";
        [CommandOption("--layers <LIST>"), Description("Adapt only these layers, e.g. 12-23, in the rows and the seed's job (default every layer).")]
        public string? Layers { get; init; }
        [CommandOption("--skip-seed-job"), Description("Skip the end-to-end run of 50 template examples for 3 epochs.")]
        public bool SkipSeedJob { get; init; }
        [CommandOption("--seed-job-dtype <DTYPE>"), Description("Compute dtype of the seed's job (default auto, the .env default).")]
        public string SeedJobDType { get; init; } = "auto";
    }

    public override int Execute(CommandContext context, Settings settings, CancellationToken cancellationToken)
    {
        var folder = ModelLocator.Resolve(settings.Model);
        var dtypes = settings.DTypes.Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries);
        var lengths = settings.SequenceLengths.Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries)
            .Select(s => int.Parse(s, CultureInfo.InvariantCulture)).ToList();
        if (settings.Steps < 1 || settings.BatchSize < 1 || lengths.Any(l => l < 8))
        {
            throw new ArgumentException("--steps and --batch-size must be at least 1, sequence lengths at least 8.");
        }

        var lora = new LoraSettings
        {
            Rank = settings.Rank,
            Alpha = 2 * settings.Rank,
            TargetModules = settings.Targets.Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries),
            LayersToTransform = LayerList.Parse(settings.Layers),
        };
        lora.Validate();

        // The peak is measured before and after the training rows and the better kept: the host is
        // shared, and a peak taken in a busy moment would flatter the utilisation.
        var plans = dtypes.ToDictionary(n => n, n => ComputePlan.Choose(n, ComputeWork.Training, CpuFeatures.Current));
        AnsiConsole.MarkupLineInterpolated(CultureInfo.InvariantCulture, $"CPU: [bold]{CpuFeatures.Current.Describe()}[/], {Environment.ProcessorCount} threads");
        foreach (var (name, plan) in plans)
        {
            AnsiConsole.MarkupLineInterpolated(CultureInfo.InvariantCulture, $"[grey]{name}: weights {DTypeNames.ToUserName(plan.Weights)}, GEMMs {DTypeNames.ToUserName(plan.Gemm)} ({plan.Reason}){(plan.Warning is null ? "" : "; warning: " + plan.Warning)}[/]");
        }

        var peak = dtypes.ToDictionary(n => n, n => MatmulPeak.Measure(plans[n].Gemm));
        var config = ModelConfig.Load(Path.Combine(folder, "config.json"));
        var rows = new List<(string DType, int Length, Row Row)>();
        foreach (var name in dtypes)
        {
            using (var model = ModelLoader.Load(folder, plans[name].Weights))
            {
                LoraApplier.Apply(model, lora, seed: 1);
                rows.AddRange(lengths.Select(length => (name, length, MeasureRow(model, length, settings, cancellationToken))));
            }

            GC.Collect();
            ProcessMemory.TrimAllocator();
        }

        var peaks = new Table().AddColumns("dtype", "peak GFLOP/s: F.linear [[512,896]]x[[896,4864]], before / after", "same at 128 rows");
        foreach (var name in dtypes)
        {
            var dtype = plans[name].Gemm;
            var after = MatmulPeak.Measure(dtype);
            peaks.AddRow($"{name} (GEMMs {DTypeNames.ToUserName(dtype)})", $"{peak[name]:F0} / {after:F0}", $"{MatmulPeak.Measure(dtype, rows: 128):F0}");
            peak[name] = Math.Max(peak[name], after);
        }

        AnsiConsole.Write(peaks);
        var table = new Table().AddColumns("dtype", "seq", "s/step", "min s", "tok/s", "RSS MB", "GFLOP/s", "MFU", "MFU 4N");
        foreach (var (name, length, row) in rows)
        {
            var tokens = (double)settings.BatchSize * length;
            var flops = TrainingFlops.PerToken(config, length, CompletionFraction, lora);
            var achieved = flops.Total * tokens / row.MeanSeconds / 1e9;
            var linearOnly = flops.Linear * tokens / row.MeanSeconds / 1e9;
            table.AddRow($"{name} ({plans[name].Summary})", $"{length}", $"{row.MeanSeconds:F3}", $"{row.MinSeconds:F3}", $"{tokens / row.MeanSeconds:F1}",
                $"{row.PeakRssMb:F0}", $"{achieved:F1}", $"{achieved / peak[name]:P1}", $"{linearOnly / peak[name]:P1}");
        }

        AnsiConsole.Write(table);
        var sample = TrainingFlops.PerToken(config, lengths[0], CompletionFraction, lora);
        AnsiConsole.MarkupLineInterpolated(CultureInfo.InvariantCulture,
            $"[grey]Model FLOPs per token at seq {lengths[0]}: {sample.Total / 1e9:F3} G = base projections 4·N ({TrainingFlops.LinearParameters(config) / 1e6:F1}M params) {sample.Linear / 1e9:F3} G + lm_head on the supervised quarter {sample.LmHead / 1e9:F3} G + causal attention fwd+bwd {sample.Attention / 1e9:F3} G + adapters {sample.Adapters / 1e9:F4} G. No weight gradients for frozen weights; norms, softmax, RoPE, optimiser not counted. MFU = model FLOP/s / the better F.linear peak above, same dtype. Rows: batch {settings.BatchSize}, LoRA r={lora.Rank} on {string.Join(",", lora.ResolvedTargets)}, random ids, prompt 3/4 and completion 1/4 of the length, through LoraTrainer; the first {WarmupSteps} steps are warm-up; peak RSS is reset per row (it includes the loaded model). MFU 4N counts the base projections only.[/]");

        if (!settings.SkipSeedJob)
        {
            var seedPlan = ComputePlan.Choose(settings.SeedJobDType, ComputeWork.Training, CpuFeatures.Current);
            var seed = SeedJob.Run(folder, seedPlan.Weights, lora.LayersToTransform, cancellationToken);
            var layers = lora.LayersToTransform is not null ? $"layers {settings.Layers} only (the frozen ones below computed once)" : "every layer";
            var job = new Table().AddColumns($"the seed's job ({settings.SeedJobDType}: {seedPlan.Summary}, 3 epochs, batch 4, r=8 on q_proj,v_proj, {layers})", "");
            job.AddRow("examples, mean tokens", $"{seed.Examples}, {seed.MeanTokens:F1}");
            job.AddRow("optimiser steps", $"{seed.Steps}");
            job.AddRow("load / data / train / save s", $"{seed.LoadSeconds:F1} / {seed.DataSeconds:F2} / {seed.TrainSeconds:F1} / {seed.SaveSeconds:F2}");
            job.AddRow("[bold]wall time s[/]", $"[bold]{seed.TotalSeconds:F1}[/]");
            job.AddRow("loss first -> last step", $"{seed.FirstLoss:F3} -> {seed.LastLoss:F3}");
            AnsiConsole.Write(job);
        }

        return 0;
    }

    private sealed record Row(double MeanSeconds, double MinSeconds, double PeakRssMb);

    private static Row MeasureRow(CausalLanguageModel model, int length, Settings settings, CancellationToken cancellationToken)
    {
        var steps = WarmupSteps + settings.Steps;
        var examples = SyntheticExamples(steps * settings.BatchSize, length, model.Config.VocabSize, seed: length);
        var options = new TrainingOptions { Epochs = 1, BatchSize = settings.BatchSize, MaxSequenceLength = length, Seed = 1 };
        ProcessMemory.TrimAllocator();
        ProcessMemory.ResetPeak();
        var clock = new StepClock();
        new LoraTrainer(model, options).Train(examples, null, clock, null, cancellationToken);
        var timed = clock.StepSeconds.Skip(WarmupSteps).ToList();
        return new Row(timed.Average(), timed.Min(), ProcessMemory.PeakRssMegabytes());
    }

    /// <summary>Random token ids; the first 3/4 of each sequence is prompt, the rest is supervised.</summary>
    private static List<TrainingExample> SyntheticExamples(int count, int length, int vocab, int seed)
    {
        var random = new Random(seed);
        var completion = (int)(length * CompletionFraction);
        return [.. Enumerable.Range(0, count).Select(_ =>
        {
            var ids = Enumerable.Range(0, length).Select(_ => random.Next(vocab)).ToArray();
            return new TrainingExample(ids[..(length - completion)], ids[(length - completion)..]);
        })];
    }
}
