using System.ComponentModel;
using FineTuneMesh.Core.Lora;
using FineTuneMesh.Core.Modeling;
using Spectre.Console;
using Spectre.Console.Cli;

namespace FineTuneMesh.Cli.Commands;

/// <summary>
/// <c>adapter merge --model DIR --adapter DIR --output DIR [--dtype fp32|bf16]</c>: folds a LoRA
/// adapter into the base weights (W += B·A·alpha/r) and writes a complete Hugging Face model folder
/// that loads, serves and exports to GGUF like any other.
/// </summary>
public sealed class AdapterMergeCommand : Command<AdapterMergeCommand.Settings>
{
    public sealed class Settings : CommandSettings
    {
        [CommandOption("-m|--model <MODEL>"), Description("Base model folder (default: FINETUNE_BASE_MODEL).")]
        public string? Model { get; init; }
        [CommandOption("--adapter <DIR>"), Description("The LoRA adapter folder (PEFT format) to fold in.")]
        public string Adapter { get; init; } = "";
        [CommandOption("-o|--output <DIR>"), Description("The model folder to write.")]
        public string Output { get; init; } = "";
        [CommandOption("--dtype <DTYPE>"), Description("Dtype of the written weights: fp32 or bf16 (default: the base checkpoint's stored dtype).")]
        public string? DType { get; init; }
    }

    public override int Execute(CommandContext context, Settings settings, CancellationToken cancellationToken)
    {
        if (string.IsNullOrWhiteSpace(settings.Adapter) || string.IsNullOrWhiteSpace(settings.Output))
        {
            throw new ArgumentException("--adapter DIR and --output DIR are required.");
        }

        var (merged, adapters, dtype) = MergedModelWriter.Write(ModelLocator.Resolve(settings.Model), settings.Adapter, settings.Output,
            settings.DType is null ? null : DTypeNames.Parse(settings.DType));
        AnsiConsole.MarkupLineInterpolated(
            $"Merged {merged} of {adapters} adapter(s) into [bold]{settings.Output}[/] ({DTypeNames.ToConfigName(dtype)}).");
        return 0;
    }
}
