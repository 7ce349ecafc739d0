using FineTuneMesh.Cli.Mesh;

namespace FineTuneMesh.Cli.Commands.Mesh;

/// <summary><c>sweep watch ID</c>: the leaderboard, redrawn as trials progress, until the sweep ends.</summary>
public sealed class SweepWatchCommand : MeshCommand<SweepIdSettings>
{
    protected override Task<int> RunAsync(MeshClient mesh, SweepIdSettings settings, CancellationToken cancellationToken) =>
        SweepWatcher.WatchAsync(mesh, Uri.EscapeDataString(settings.Id), cancellationToken);
}
