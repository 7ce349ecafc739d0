using System.ComponentModel;
using FineTuneMesh.Core.Generation;
using FineTuneMesh.Core.Lora;
using FineTuneMesh.Core.Modeling;
using Spectre.Console.Cli;

namespace FineTuneMesh.Cli.Commands;

/// <summary><c>logits --model DIR --ids 1,2,3 [--greedy N] [--dtype fp32|bf16|q8_0] --json</c>.</summary>
public sealed class LogitsCommand : Command<LogitsCommand.Settings>
{
    public sealed class Settings : ModelSettings
    {
        [CommandOption("--ids <IDS>"), Description("Comma-separated prompt token ids.")] public string Ids { get; init; } = "";
        [CommandOption("--greedy <N>"), Description("Greedy continuation length (default 0).")] public int Greedy { get; init; }
    }

    public override int Execute(CommandContext context, Settings settings, CancellationToken cancellationToken)
    {
        var ids = ParseIds(settings.Ids);
        var dtype = DTypeNames.Parse(settings.DType ?? "fp32");
        using var model = ModelLoader.Load(settings.ResolveFolder(), dtype);
        if (settings.Adapter is not null)
        {
            AdapterFiles.Load(settings.Adapter, model);
        }

        var (logits, greedy) = LogitsProbe.Run(model, ids, settings.Greedy);
        if (settings.Json)
        {
            JsonOutput.Write(new { PromptIds = ids, Logits = logits, GreedyIds = greedy });
        }
        else
        {
            var top = logits.Select((v, i) => (v, i)).OrderByDescending(p => p.v).Take(5);
            Console.WriteLine($"top-5: {string.Join(", ", top.Select(p => $"{p.i}:{p.v:F4}"))}");
            Console.WriteLine($"greedy: {string.Join(',', greedy)}");
        }

        return 0;
    }

    private static int[] ParseIds(string text)
    {
        var parts = text.Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries);
        if (parts.Length == 0)
        {
            throw new ArgumentException("--ids needs at least one token id, e.g. --ids 1,2,3.");
        }

        return [.. parts.Select(p => int.TryParse(p, out var id) ? id : throw new ArgumentException($"--ids: '{p}' is not a token id."))];
    }
}
