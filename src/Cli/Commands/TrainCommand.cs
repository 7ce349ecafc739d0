using System.ComponentModel;
using FineTuneMesh.Core.Lora;
using FineTuneMesh.Core.Prompts;
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
        [CommandOption("--lr <LR>")] public double LearningRate { get; init; } = 2e-4;
        [CommandOption("--epochs <N>")] public int Epochs { get; init; } = 3;
        [CommandOption("--batch-size <N>")] public int BatchSize { get; init; } = 4;
        [CommandOption("--grad-accum <N>")] public int GradientAccumulation { get; init; } = 1;
        [CommandOption("--max-length <N>")] public int MaxLength { get; init; } = 512;
        [CommandOption("--seed <N>")] public long Seed { get; init; } = 42;
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
        };
        var options = new TrainingOptions
        {
            LearningRate = settings.LearningRate,
            Epochs = settings.Epochs,
            BatchSize = settings.BatchSize,
            GradientAccumulation = settings.GradientAccumulation,
            MaxSequenceLength = settings.MaxLength,
            Seed = settings.Seed,
        };
        lora.Validate();
        options.Validate();

        using var model = settings.LoadModel();
        var template = settings.Template is null ? null : PromptTemplate.Parse(File.ReadAllText(settings.Template));
        var examples = DatasetReader.Read(settings.Data, model.Tokenizer, settings.MaxLength, template);
        var adapters = LoraApplier.Apply(model.Network, lora, settings.Seed);
        AnsiConsole.MarkupLineInterpolated($"{examples.Count} examples; {ParameterCounts.Of(model.Network)}");

        var losses = AnsiConsole.Progress().Columns(new TaskDescriptionColumn(), new ProgressBarColumn(), new PercentageColumn(),
            new RemainingTimeColumn()).Start(display =>
        {
            var task = display.AddTask("training");
            return new LoraTrainer(model.Network, options).Train(examples, new SynchronousProgress(p =>
            {
                task.MaxValue = p.TotalSteps;
                task.Value = p.Step;
                task.Description = $"epoch {p.Epoch} step {p.Step}/{p.TotalSteps} loss {p.Loss:F4} {p.TokensPerSecond:F0} tok/s";
            }), cancellationToken);
        });

        AdapterFiles.Save(settings.Output, adapters, lora, model.Folder, revision: null);
        AnsiConsole.MarkupLineInterpolated($"loss {losses[0]:F4} -> {losses[^1]:F4}; adapter written to [bold]{settings.Output}[/]");
        return 0;
    }

    /// <summary>Reports on the training thread itself, so the display sees every step in order.</summary>
    private sealed class SynchronousProgress(Action<TrainingProgress> report) : IProgress<TrainingProgress>
    {
        public void Report(TrainingProgress value) => report(value);
    }
}
