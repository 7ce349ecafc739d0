using System.ComponentModel;
using FineTuneMesh.Core.Checkpoints;
using FineTuneMesh.Core.Modeling;
using Spectre.Console;
using Spectre.Console.Cli;

namespace FineTuneMesh.Cli.Commands;

/// <summary><c>model init DIR</c>: a seeded random checkpoint in the real Hugging Face format.</summary>
public sealed class ModelInitCommand : Command<ModelInitCommand.Settings>
{
    public sealed class Settings : CommandSettings
    {
        [CommandArgument(0, "<DIR>")] public string Folder { get; init; } = "";
        [CommandOption("--preset <NAME>"), Description("tiny (default), or the exact shapes of qwen2.5-0.5b, qwen2.5-1.5b, qwen2.5-3b or llama-3.2-1b.")]
        public string Preset { get; init; } = "tiny";
        [CommandOption("--model-type <TYPE>"), Description("qwen2 or llama (default: the preset's; qwen2 for tiny).")] public string? ModelType { get; init; }
        [CommandOption("--hidden <N>")] public int? Hidden { get; init; }
        [CommandOption("--layers <N>")] public int? Layers { get; init; }
        [CommandOption("--heads <N>")] public int? Heads { get; init; }
        [CommandOption("--kv-heads <N>")] public int? KeyValueHeads { get; init; }
        [CommandOption("--intermediate <N>")] public int? Intermediate { get; init; }
        [CommandOption("--untied"), Description("Give the model its own lm_head instead of tied embeddings.")] public bool Untied { get; init; }
        [CommandOption("--std <STD>"), Description("Weight standard deviation (default 0.02).")] public double Std { get; init; } = 0.02;
        [CommandOption("--seed <SEED>")] public long Seed { get; init; } = 42;
        [CommandOption("--dtype <DTYPE>"), Description("Stored dtype: fp32 (default), bf16 or fp16.")] public string DType { get; init; } = "fp32";
        [CommandOption("--merges <N>"), Description("BPE merges in the tiny tokenizer (default 200).")] public int Merges { get; init; } = 200;
    }

    public override int Execute(CommandContext context, Settings settings, CancellationToken cancellationToken)
    {
        var config = ModelFolderInitializer.Write(settings.Folder, new ModelFolderInitializer.Options
        {
            Preset = settings.Preset,
            ModelType = settings.ModelType,
            HiddenSize = settings.Hidden,
            Layers = settings.Layers,
            Heads = settings.Heads,
            KeyValueHeads = settings.KeyValueHeads,
            IntermediateSize = settings.Intermediate,
            TieWordEmbeddings = settings.Untied ? false : null,
            Std = settings.Std,
            Seed = settings.Seed,
            DType = DTypeNames.Parse(settings.DType),
            TokenizerMerges = settings.Merges,
        });
        AnsiConsole.MarkupLineInterpolated(
            $"Wrote a random {config.ModelType} model to [bold]{settings.Folder}[/]: hidden {config.HiddenSize}, {config.NumHiddenLayers} layers, vocab {config.VocabSize}, {settings.DType}.");
        return 0;
    }
}
