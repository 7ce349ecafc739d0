using System.ComponentModel;
using FineTuneMesh.Core;
using FineTuneMesh.Core.Checkpoints;
using FineTuneMesh.Core.Lora;
using FineTuneMesh.Core.Modeling;
using Spectre.Console;
using Spectre.Console.Cli;
using static TorchSharp.torch;

namespace FineTuneMesh.Cli.Commands;

/// <summary>
/// <c>adapter merge --model DIR --adapter DIR --output DIR [--dtype fp32|bf16]</c>: folds a LoRA
/// adapter into the base weights (W += B·A·alpha/r) and writes a complete Hugging Face model folder
/// that loads, serves and exports to GGUF like any other.
/// </summary>
public sealed class AdapterMergeCommand : Command<AdapterMergeCommand.Settings>
{
    // Files of the base folder that travel unchanged with the merged weights.
    private static readonly string[] _copiedFiles = ["tokenizer.json", "tokenizer_config.json", "generation_config.json"];

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

        var folder = ModelLocator.Resolve(settings.Model);
        if (Path.GetFullPath(settings.Output) == Path.GetFullPath(folder))
        {
            throw new ArgumentException("--output must not be the base model folder.");
        }

        var stored = StoredDType(folder);
        var output = settings.DType is null ? stored : DTypeNames.Parse(settings.DType);
        // Merging in the stored dtype rounds once, exactly as merging in fp32 and converting would;
        // a wider output dtype than the stored one is merged in fp32 so the update keeps its precision.
        using var model = LanguageModel.Load(folder, output == stored ? stored : ScalarType.Float32);
        var adapters = AdapterFiles.Load(settings.Adapter, model.Network);
        var merged = LoraMerger.Merge(model.Network);

        CheckpointWriter.Write(settings.Output, model.Network, output, Path.Combine(folder, "config.json"));
        foreach (var name in _copiedFiles.Where(n => File.Exists(Path.Combine(folder, n))))
        {
            File.Copy(Path.Combine(folder, name), Path.Combine(settings.Output, name), overwrite: true);
        }

        AnsiConsole.MarkupLineInterpolated(
            $"Merged {merged} of {adapters.Count} adapter(s) into [bold]{settings.Output}[/] ({DTypeNames.ToConfigName(output)}).");
        return 0;
    }

    /// <summary>The dtype the base checkpoint stores its embedding in (all its matrices, in practice).</summary>
    private static ScalarType StoredDType(string folder)
    {
        using var checkpoint = CheckpointReader.Open(folder);
        if (!checkpoint.Contains("model.embed_tokens.weight"))
        {
            return ScalarType.Float32;                                                       // the loader names what is missing
        }

        var entry = checkpoint.Entry("model.embed_tokens.weight");
        return SafetensorsDType.TryGet(entry.DType, out var type) && type is ScalarType.Float32 or ScalarType.BFloat16 or ScalarType.Float16
            ? type
            : throw new InvalidDataException($"{checkpoint.FileOf(entry.Name)}: weights stored as {entry.DType}; merge supports F32, BF16 and F16.");
    }
}
