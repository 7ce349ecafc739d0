using System.ComponentModel;
using System.Text.Encodings.Web;
using System.Text.Json;
using System.Text.Json.Serialization;
using FineTuneMesh.Core.Evaluation;
using FineTuneMesh.Prompts;
using Spectre.Console;
using Spectre.Console.Cli;

namespace FineTuneMesh.Cli.Commands;

/// <summary>
/// <c>eval --data FILE.jsonl --template FILE [--adapter DIR] [sampling] [--output report.json] [--json]</c>:
/// prompts the model with every record and reports how often it follows the template (stops on the
/// end marker after a well-formed answer), stops early, runs on or breaks the layout, and how often
/// it gives the record's own answer exactly; the JSON report lets runs be compared.
/// </summary>
public sealed class EvalCommand : AsyncCommand<EvalCommand.Settings>
{
    private static readonly JsonSerializerOptions _reportJson = new()
    {
        PropertyNamingPolicy = JsonNamingPolicy.SnakeCaseLower,
        Encoder = JavaScriptEncoder.UnsafeRelaxedJsonEscaping,
        Converters = { new JsonStringEnumConverter(JsonNamingPolicy.SnakeCaseLower) },
    };

    public sealed class Settings : SamplingSettings
    {
        [CommandOption("--data <FILE>"), Description("JSONL template records, e.g. {\"question\": ..., \"answer\": ...}; the answer is optional.")]
        public string Data { get; init; } = "";
        [CommandOption("--template <FILE>"), Description("The template the model was trained on.")]
        public string Template { get; init; } = "";
        [CommandOption("-o|--output <FILE>"), Description("Write the full report (every example) as JSON.")]
        public string? Output { get; init; }
    }

    public override async Task<int> ExecuteAsync(CommandContext context, Settings settings, CancellationToken cancellationToken)
    {
        if (string.IsNullOrWhiteSpace(settings.Data) || string.IsNullOrWhiteSpace(settings.Template))
        {
            throw new ArgumentException("--data FILE.jsonl and --template FILE are required.");
        }

        var template = PromptTemplate.Parse(File.ReadAllText(settings.Template));
        var records = EvaluationRecords.Read(settings.Data);
        using var model = settings.LoadModel();
        var options = settings.ToOptions(model);
        var report = settings.Json
            ? await Evaluator.RunAsync(model, template, records, options, cancellationToken)
            : await AnsiConsole.Status().StartAsync($"evaluating {records.Count} records",
                _ => Evaluator.RunAsync(model, template, records, options, cancellationToken));

        if (settings.Output is not null)
        {
            var folder = Path.GetDirectoryName(Path.GetFullPath(settings.Output))!;
            Directory.CreateDirectory(folder);
            await File.WriteAllTextAsync(settings.Output,
                JsonSerializer.Serialize(report, new JsonSerializerOptions(_reportJson) { WriteIndented = true }), cancellationToken);
        }

        if (settings.Json)
        {
            Console.Out.WriteLine(JsonSerializer.Serialize(report, _reportJson));
            return 0;
        }

        var table = new Table().AddColumns("measure", "value");
        table.AddRow("records", $"{report.Count}");
        table.AddRow("adherent", Rate(report.Adherent, report.AdherenceRate));
        table.AddRow("early stop", Rate(report.EarlyStop, report.EarlyStopRate));
        table.AddRow("run-on", Rate(report.RunOn, report.RunOnRate));
        table.AddRow("malformed", Rate(report.Malformed, report.MalformedRate));
        table.AddRow("exact match", report.ExactMatchRate is { } exact ? $"{report.ExactMatches}/{report.WithExpected} ({exact:P0})" : "[grey]no answers in the data[/]");
        table.AddRow("avg length", $"{report.AverageTokens:F1} tokens, {report.AverageCharacters:F1} chars");
        AnsiConsole.Write(table);
        if (settings.Output is not null)
        {
            AnsiConsole.MarkupLineInterpolated($"report written to [bold]{settings.Output}[/]");
        }

        return 0;
    }

    private static string Rate(int count, double rate) => $"{count} ({rate:P0})";
}
