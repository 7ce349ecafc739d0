using System.ComponentModel;
using System.Text.Json;
using System.Text.Json.Nodes;
using FineTuneMesh.Cli.Mesh;
using FineTuneMesh.Mesh.Datasets;
using Spectre.Console;
using Spectre.Console.Cli;

namespace FineTuneMesh.Cli.Commands.Mesh;

/// <summary>
/// <c>synth --template FILE --seeds FILE.jsonl --count N [--provider P] [--output FILE.jsonl] [--save-as NAME]</c>:
/// has the mesh's synthesis service write N more examples like the seeds, shows them arriving,
/// writes the dataset (seeds first) and prints the quality gate's report; <c>--save-as</c> also
/// stores it as the next version of a named dataset for training jobs.
/// </summary>
public sealed class SynthCommand : MeshCommand<SynthCommand.Settings>
{
    public sealed class Settings : MeshSettings
    {
        [CommandOption("--template <FILE>"), Description("The template: {field} placeholders, ending with its stop marker.")]
        public string Template { get; init; } = "";
        [CommandOption("--seeds <FILE>"), Description("JSONL, one seed example (template fields) per line; at least 2.")]
        public string Seeds { get; init; } = "";
        [CommandOption("--count <N>"), Description("How many new examples to accept.")] public int Count { get; init; } = 50;
        [CommandOption("--provider <NAME>"), Description("A provider configured in the synthesis service (default: its default).")]
        public string? Provider { get; init; }
        [CommandOption("--model <NAME>"), Description("The provider's model (default: the provider's).")] public string? Model { get; init; }
        [CommandOption("--temperature <T>")] public double? Temperature { get; init; }
        [CommandOption("-o|--output <FILE>"), Description("Where to write the dataset (default: synth-ID.jsonl).")] public string? Output { get; init; }
        [CommandOption("--save-as <NAME>"), Description("Also store the dataset in the mesh as the next version of this named dataset.")]
        public string? SaveAs { get; init; }
    }

    protected override async Task<int> RunAsync(MeshClient mesh, Settings settings, CancellationToken cancellationToken)
    {
        var request = new JsonObject
        {
            ["template"] = LocalInputFiles.ReadText(settings.Template, "--template"),
            ["seeds"] = LocalInputFiles.ReadJsonLines(settings.Seeds, "--seeds"),
            ["count"] = settings.Count,
        };
        if (settings.Provider is { } provider)
        {
            request["provider"] = provider;
        }

        if (settings.Model is { } model)
        {
            request["model"] = model;
        }

        if (settings.Temperature is { } temperature)
        {
            request["sampling"] = new JsonObject { ["temperature"] = temperature };
        }

        var job = await mesh.PostJsonAsync<JsonElement>("api/synth/jobs", request, cancellationToken);
        var id = job.GetProperty("id").GetString()!;
        Console.WriteLine($"synthesis job {id}: {settings.Count} examples wanted");
        await FollowAsync(mesh, id, settings.Count, cancellationToken);

        var finished = await mesh.GetAsync<JsonElement>($"api/synth/jobs/{id}", cancellationToken);
        var status = finished.GetProperty("status").GetString();
        var report = await mesh.GetAsync<JsonElement>($"api/synth/jobs/{id}/report", cancellationToken);
        PrintReport(report);
        if (finished.TryGetProperty("dataset", out _))
        {
            var dataset = await mesh.GetBytesAsync($"api/synth/jobs/{id}/dataset", cancellationToken);
            var output = settings.Output ?? $"synth-{id}.jsonl";
            await File.WriteAllBytesAsync(output, dataset, cancellationToken);
            Console.WriteLine($"{finished.GetProperty("datasetRecords").GetInt32()} records written to {output}");
            if (settings.SaveAs is { } name && status == "succeeded")
            {
                var saved = await mesh.PostBytesAsync<DatasetVersion>($"api/train/datasets/{Uri.EscapeDataString(name)}/versions", dataset,
                    "application/jsonl", cancellationToken);
                Console.WriteLine($"stored as dataset {saved.Name} v{saved.Version}: jobs name it with --dataset {saved.Key}");
            }
        }

        if (status != "succeeded")
        {
            Console.Error.WriteLine($"synthesis {status}{(finished.TryGetProperty("error", out var error) ? $": {error.GetString()}" : "")}");
            return MeshExitCodes.WorkFailed;
        }

        return MeshExitCodes.Success;
    }

    /// <summary>A progress bar of accepted examples, and a line for each rejected one with its reason, until the job ends.</summary>
    private static async Task FollowAsync(MeshClient mesh, string id, int count, CancellationToken cancellationToken) =>
        await AnsiConsole.Progress().Columns(new TaskDescriptionColumn(), new ProgressBarColumn(), new PercentageColumn())
            .StartAsync(async display =>
            {
                var task = display.AddTask("synthesizing", maxValue: count);
                await foreach (var item in mesh.EventsAsync(new HttpRequestMessage(HttpMethod.Get, $"api/synth/jobs/{id}/events"), cancellationToken))
                {
                    using var document = JsonDocument.Parse(item.Data);
                    var data = document.RootElement;
                    var accepted = data.GetProperty("accepted").GetInt32();
                    task.Value = Math.Min(accepted, count);
                    task.Description = $"accepted {accepted}/{count}, rejected {data.GetProperty("rejected").GetInt32()}, " +
                        $"requests {data.GetProperty("requests").GetInt32()}";
                    if (data.TryGetProperty("entries", out var entries) && entries.ValueKind == JsonValueKind.Array)
                    {
                        foreach (var entry in entries.EnumerateArray().Where(e => !e.GetProperty("accepted").GetBoolean()))
                        {
                            AnsiConsole.MarkupLineInterpolated(
                                $"[grey]rejected ({entry.GetProperty("reason")}): {Detail(entry)}[/]");
                        }
                    }
                }
            });

    private static string Detail(JsonElement entry) => entry.TryGetProperty("detail", out var detail) ? detail.GetString() ?? "" : "";

    private static void PrintReport(JsonElement report)
    {
        Console.WriteLine($"quality gate: {report.GetProperty("accepted").GetInt32()} accepted, {report.GetProperty("rejected").GetInt32()} rejected");
        if (report.TryGetProperty("rejectedByReason", out var reasons) && reasons.ValueKind == JsonValueKind.Object)
        {
            foreach (var reason in reasons.EnumerateObject())
            {
                Console.WriteLine($"  {reason.Name}: {reason.Value}");
            }
        }
    }
}
