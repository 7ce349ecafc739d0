using System.ComponentModel;
using FineTuneMesh.Core.Hub;
using FineTuneMesh.Core.Lora;
using FineTuneMesh.Core.Modeling;
using FineTuneMesh.Prompts;
using FineTuneMesh.Core.Training;
using Spectre.Console;
using Spectre.Console.Cli;

namespace FineTuneMesh.Cli.Commands;

/// <summary>
/// <c>train --data FILE.jsonl --output DIR [--template FILE]</c>: LoRA fine-tuning on the CPU,
/// written as a PEFT adapter folder.
/// </summary>
public sealed class TrainCommand : Command<TrainCommand.Settings>
{
    public sealed class Settings : ModelSettings
    {
        [CommandOption("--data <FILE>"), Description("JSONL: prompt/completion, messages, or template records.")]
        public string Data { get; init; } = "";
        [CommandOption("--template <FILE>"), Description("Template file for template records (e.g. ### You asked:\\n{question}...).")]
        public string? Template { get; init; }
        [CommandOption("-o|--output <DIR>"), Description("Adapter folder to write (adapter_config.json, adapter_model.safetensors).")]
        public string Output { get; init; } = "";
        [CommandOption("--rank <R>")] public int Rank { get; init; } = 8;
        [CommandOption("--alpha <A>")] public double Alpha { get; init; } = 16;
        [CommandOption("--dropout <P>")] public double Dropout { get; init; }
        [CommandOption("--targets <LIST>"), Description("Comma-separated projections or all-linear (default q_proj,v_proj).")]
        public string Targets { get; init; } = "q_proj,v_proj";

        [CommandOption("--layers <LIST>"), Description("Adapt only these decoder layers, e.g. 12-23 (PEFT's layers_to_transform; default every layer). The frozen layers below the first are computed once per example.")]
        public string? Layers { get; init; }
        [CommandOption("--lr <LR>")] public double LearningRate { get; init; } = 2e-4;
        [CommandOption("--epochs <N>")] public int Epochs { get; init; } = 3;
        [CommandOption("--batch-size <N>")] public int BatchSize { get; init; } = 4;
        [CommandOption("--grad-accum <N>")] public int GradientAccumulation { get; init; } = 1;
        [CommandOption("--max-length <N>")] public int MaxLength { get; init; } = 512;
        [CommandOption("--seed <N>")] public long Seed { get; init; } = 42;
        [CommandOption("--schedule <NAME>"), Description("cosine (default), linear or constant.")] public string Schedule { get; init; } = "cosine";
        [CommandOption("--warmup <FRACTION>")] public double Warmup { get; init; } = 0.1;
        [CommandOption("--weight-decay <W>")] public double WeightDecay { get; init; }
        [CommandOption("--eval-fraction <F>"), Description("Hold-out share for eval loss (default 0.1; none under 5 examples).")]
        public double EvalFraction { get; init; } = 0.1;
        [CommandOption("--eval-every <STEPS>"), Description("Evaluate every N steps (default: each epoch).")] public int EvalEvery { get; init; }
        [CommandOption("--patience <N>"), Description("Stop after N evaluations without improvement (default: never).")]
        public int Patience { get; init; }
        [CommandOption("--checkpoint <DIR>"), Description("Resumable checkpoint folder; an existing one is resumed.")]
        public string? Checkpoint { get; init; }
        [CommandOption("--checkpoint-every <STEPS>")] public int CheckpointEvery { get; init; }
    }

    public override int Execute(CommandContext context, Settings settings, CancellationToken cancellationToken)
    {
        if (string.IsNullOrWhiteSpace(settings.Output))
        {
            throw new ArgumentException("--output DIR is required.");
        }

        var lora = new LoraSettings
        {
            Rank = settings.Rank,
            Alpha = settings.Alpha,
            Dropout = settings.Dropout,
            TargetModules = settings.Targets.Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries),
            LayersToTransform = LayerList.Parse(settings.Layers),
        };
        var options = new TrainingOptions
        {
            LearningRate = settings.LearningRate,
            Epochs = settings.Epochs,
            BatchSize = settings.BatchSize,
            GradientAccumulation = settings.GradientAccumulation,
            MaxSequenceLength = settings.MaxLength,
            Seed = settings.Seed,
            Schedule = settings.Schedule,
            WarmupFraction = settings.Warmup,
            WeightDecay = settings.WeightDecay,
            EvalEverySteps = settings.EvalEvery,
            EarlyStoppingPatience = settings.Patience,
            CheckpointEverySteps = settings.CheckpointEvery,
        };
        lora.Validate();
        options.Validate();

        using var model = settings.LoadModel(ComputeWork.Training);
        var template = settings.Template is null ? null : PromptTemplate.Parse(File.ReadAllText(settings.Template));
        var examples = DatasetReader.Read(settings.Data, model.Tokenizer, settings.MaxLength, template);
        var (train, eval) = TrainingPlan.HoldOut(examples, settings.EvalFraction, settings.Seed);
        var adapters = LoraApplier.Apply(model.Network, lora, settings.Seed);
        AnsiConsole.MarkupLineInterpolated($"{train.Count} training and {eval.Count} hold-out examples; {ParameterCounts.Of(model.Network)}");

        var result = AnsiConsole.Progress().Columns(new TaskDescriptionColumn(), new ProgressBarColumn(), new PercentageColumn(),
            new RemainingTimeColumn()).Start(display =>
        {
            var task = display.AddTask("training");
            double? lastEval = null;
            return new LoraTrainer(model.Network, options).Train(train, eval, new SynchronousProgress(p =>
            {
                lastEval = p.EvalLoss ?? lastEval;
                task.MaxValue = p.TotalSteps;
                task.Value = p.Step;
                task.Description = TrainingProgressText.Describe(p.Epoch, p.Step, p.TotalSteps, p.Loss, lastEval, p.TokensPerSecond);
            }), settings.Checkpoint, cancellationToken);
        });

        var provenance = ModelProvenance.Of(model.Folder);
        AdapterFiles.Save(settings.Output, adapters, lora, provenance.NameOrPath, provenance.Revision);
        RunReport.Write(settings.Output, new { lora, options, train_examples = train.Count, eval_examples = eval.Count },
            result.Losses, result.EvalLosses, result.Duration);
        var best = result.BestStep is { } step ? $"; kept step {step} (eval loss {result.BestEvalLoss:F4})" : "";
        var early = result.StoppedEarly ? $"; stopped early after {result.Steps} of {result.TotalSteps} steps" : "";
        AnsiConsole.MarkupLineInterpolated(
            $"loss {result.Losses[0]:F4} -> {result.Losses[^1]:F4}{best}{early}; adapter, metrics.json and loss.svg written to [bold]{settings.Output}[/]");
        return 0;
    }

    /// <summary>Reports on the training thread itself, so the display sees every step in order.</summary>
    private sealed class SynchronousProgress(Action<TrainingProgress> report) : IProgress<TrainingProgress>
    {
        public void Report(TrainingProgress value) => report(value);
    }
}
