using System.ComponentModel;
using FineTuneMesh.Core;
using FineTuneMesh.Core.Generation;
using Spectre.Console.Cli;

namespace FineTuneMesh.Cli.Commands;

/// <summary>Generation options; unset ones fall back to the model's generation_config.json.</summary>
public class SamplingSettings : ModelSettings
{
    [CommandOption("--temperature <T>"), Description("0 = greedy.")] public double? Temperature { get; init; }
    [CommandOption("--top-k <K>")] public int? TopK { get; init; }
    [CommandOption("--top-p <P>")] public double? TopP { get; init; }
    [CommandOption("--min-p <P>")] public double? MinP { get; init; }
    [CommandOption("--repetition-penalty <R>")] public double? RepetitionPenalty { get; init; }
    [CommandOption("--seed <SEED>")] public int? Seed { get; init; }
    [CommandOption("--max-tokens <N>")] public int? MaxTokens { get; init; }
    [CommandOption("--stop <TEXT>"), Description("A stop string (repeatable).")] public string[] Stop { get; init; } = [];
    [CommandOption("--system <TEXT>"), Description("System prompt for chat models.")] public string? System { get; init; }

    public SamplingOptions ToOptions(LanguageModel model)
    {
        var defaults = model.DefaultSampling();
        return defaults with
        {
            Temperature = Temperature ?? defaults.Temperature,
            TopK = TopK ?? defaults.TopK,
            TopP = TopP ?? defaults.TopP,
            MinP = MinP ?? defaults.MinP,
            RepetitionPenalty = RepetitionPenalty ?? defaults.RepetitionPenalty,
            Seed = Seed,
            MaxNewTokens = MaxTokens ?? defaults.MaxNewTokens,
            StopStrings = Stop.Select(s => s.Replace("\\n", "\n", StringComparison.Ordinal)).ToArray(),
        };
    }
}
