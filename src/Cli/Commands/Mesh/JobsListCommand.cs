using System.ComponentModel;
using FineTuneMesh.Cli.Mesh;
using FineTuneMesh.Mesh.Jobs;
using Spectre.Console;
using Spectre.Console.Cli;

namespace FineTuneMesh.Cli.Commands.Mesh;

/// <summary><c>jobs list [--limit N]</c>: the mesh's newest training jobs.</summary>
public sealed class JobsListCommand : MeshCommand<JobsListCommand.Settings>
{
    public sealed class Settings : MeshSettings
    {
        [CommandOption("--limit <N>"), Description("How many of the newest jobs (1-200).")] public int Limit { get; init; } = 20;
    }

    private sealed record JobList(IReadOnlyList<JobRecord> Jobs);

    protected override async Task<int> RunAsync(MeshClient mesh, Settings settings, CancellationToken cancellationToken)
    {
        var list = await mesh.GetAsync<JobList>($"api/train/jobs?limit={settings.Limit}", cancellationToken);
        var table = new Table().AddColumns("job", "adapter", "status", "step", "loss", "created", "result");
        foreach (var job in list.Jobs)
        {
            table.AddRow(
                Markup.Escape(job.Id),
                Markup.Escape(job.Spec.AdapterName),
                job.Status.ToString().ToLowerInvariant(),
                job.Progress is { } p ? $"{p.Step}/{p.TotalSteps}" : "",
                job.Progress is { } q ? q.Loss.ToString("F4", System.Globalization.CultureInfo.InvariantCulture) : "",
                job.CreatedAt.ToLocalTime().ToString("yyyy-MM-dd HH:mm:ss", System.Globalization.CultureInfo.InvariantCulture),
                Markup.Escape(job.Adapter is { } a ? $"{a.Name} v{a.Version}" : job.Error ?? ""));
        }

        AnsiConsole.Write(table);
        return MeshExitCodes.Success;
    }
}
