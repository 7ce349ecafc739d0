using System.ComponentModel;
using FineTuneMesh.Core.Export;
using Spectre.Console;
using Spectre.Console.Cli;

namespace FineTuneMesh.Cli.Commands;

/// <summary><c>model export-gguf --model DIR --output FILE [--type f32|f16|bf16]</c>.</summary>
public sealed class ModelExportGgufCommand : Command<ModelExportGgufCommand.Settings>
{
    public sealed class Settings : CommandSettings
    {
        [CommandOption("-m|--model <MODEL>"), Description("Model folder (default: FINETUNE_BASE_MODEL).")]
        public string? Model { get; init; }
        [CommandOption("-o|--output <FILE>"), Description("The .gguf file to write.")] public string Output { get; init; } = "";
        [CommandOption("--type <TYPE>"), Description("Weight type: f32, f16 or bf16 (default bf16).")] public string Type { get; init; } = "bf16";
    }

    public override int Execute(CommandContext context, Settings settings, CancellationToken cancellationToken)
    {
        if (string.IsNullOrWhiteSpace(settings.Output))
        {
            throw new ArgumentException("--output FILE is required.");
        }

        var type = settings.Type.ToLowerInvariant() switch
        {
            "f32" or "fp32" => GgufTensorType.F32,
            "f16" or "fp16" => GgufTensorType.F16,
            "bf16" => GgufTensorType.BF16,
            _ => throw new ArgumentException($"--type '{settings.Type}': use f32, f16 or bf16."),
        };
        var folder = ModelLocator.Resolve(settings.Model);
        GgufExporter.Export(folder, settings.Output, type);
        AnsiConsole.MarkupLineInterpolated($"Wrote [bold]{settings.Output}[/] ({new FileInfo(settings.Output).Length / 1e6:F0} MB, {type}).");
        return 0;
    }
}
