using FineTuneMesh.Cli.Mesh;
using Spectre.Console.Cli;

namespace FineTuneMesh.Cli.Commands.Mesh;

/// <summary><c>jobs watch ID</c>: follows a job until it ends; exit code 1 when it failed or was cancelled.</summary>
public sealed class JobsWatchCommand : MeshCommand<JobsWatchCommand.Settings>
{
    public sealed class Settings : MeshSettings
    {
        [CommandArgument(0, "<ID>")] public string Id { get; init; } = "";
    }

    protected override async Task<int> RunAsync(MeshClient mesh, Settings settings, CancellationToken cancellationToken) =>
        JobWatcher.Report(await JobWatcher.WatchAsync(mesh, Uri.EscapeDataString(settings.Id), cancellationToken));
}
