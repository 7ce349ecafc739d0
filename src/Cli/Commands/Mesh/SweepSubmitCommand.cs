using System.ComponentModel;
using System.Text.Json;
using System.Text.Json.Nodes;
using FineTuneMesh.Cli.Mesh;
using FineTuneMesh.Mesh.Sweeps;
using Spectre.Console.Cli;

namespace FineTuneMesh.Cli.Commands.Mesh;

/// <summary>
/// <c>sweep submit --spec FILE.json [--watch]</c>: a sweep for the mesh (the REST body of
/// <c>POST /api/train/sweeps</c>; <c>job.template</c> may be given as <c>--template FILE</c> and a
/// local dataset as <c>--data FILE.jsonl</c>).
/// </summary>
public sealed class SweepSubmitCommand : MeshCommand<SweepSubmitCommand.Settings>
{
    public sealed class Settings : MeshSettings
    {
        [CommandOption("--spec <FILE>"), Description("The sweep as JSON: job, space, sampling, maxTrials, earlyStopping.")]
        public string Spec { get; init; } = "";
        [CommandOption("--template <FILE>"), Description("The template file, as job.template.")] public string? Template { get; init; }
        [CommandOption("--data <FILE>"), Description("A local JSONL file, sent inline as job.dataset.records.")] public string? Data { get; init; }
        [CommandOption("--watch"), Description("Follow the sweep until it ends, the leaderboard redrawn as trials progress.")] public bool Watch { get; init; }
    }

    protected override async Task<int> RunAsync(MeshClient mesh, Settings settings, CancellationToken cancellationToken)
    {
        JsonNode? body;
        try
        {
            body = JsonNode.Parse(LocalInputFiles.ReadText(settings.Spec, "--spec"));
        }
        catch (JsonException e)
        {
            throw new MeshException($"{Path.GetFileName(settings.Spec)} is not JSON: {e.Message}", MeshExitCodes.Refused);
        }

        if (body is not JsonObject sweep)
        {
            throw new MeshException($"{Path.GetFileName(settings.Spec)} must hold one JSON object (the sweep).", MeshExitCodes.Refused);
        }

        var job = sweep["job"] as JsonObject ?? [];
        sweep["job"] = job;
        if (settings.Template is { } template)
        {
            job["template"] = LocalInputFiles.ReadText(template, "--template");
        }

        if (settings.Data is { } data)
        {
            job["dataset"] = new JsonObject { ["records"] = LocalInputFiles.ReadJsonLines(data, "--data") };
        }

        var view = await mesh.PostJsonAsync<SweepView>("api/train/sweeps", sweep, cancellationToken);
        Console.WriteLine($"sweep {view.Id} {view.Status.ToString().ToLowerInvariant()}: {view.Trials} trials queued");
        return settings.Watch ? await SweepWatcher.WatchAsync(mesh, view.Id, cancellationToken) : MeshExitCodes.Success;
    }
}
