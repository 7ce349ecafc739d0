using FineTuneMesh.Cli.Mesh;
using FineTuneMesh.Mesh.Jobs;
using FineTuneMesh.Mesh.Sweeps;
using Spectre.Console;

namespace FineTuneMesh.Cli.Commands.Mesh;

/// <summary><c>sweep list</c>: every sweep, its status and its leader.</summary>
public sealed class SweepListCommand : MeshCommand<MeshSettings>
{
    private sealed record SweepList(IReadOnlyList<SweepView> Sweeps);

    protected override async Task<int> RunAsync(MeshClient mesh, MeshSettings settings, CancellationToken cancellationToken)
    {
        var list = await mesh.GetAsync<SweepList>("api/train/sweeps", cancellationToken);
        var table = new Table().AddColumns("sweep", "status", "trials", "ended", "leader", "adherence", "eval loss");
        foreach (var sweep in list.Sweeps)
        {
            var leader = sweep.Leaderboard.FirstOrDefault(s => s.Status == JobStatus.Succeeded);
            table.AddRow(Markup.Escape(sweep.Id), sweep.Status.ToString().ToLowerInvariant(), $"{sweep.Trials}", $"{sweep.Finished}",
                leader?.Adapter is { } a ? Markup.Escape($"{a.Name} v{a.Version}") : "",
                leader?.AdherenceRate?.ToString("P0", System.Globalization.CultureInfo.InvariantCulture) ?? "",
                leader?.EvalLoss?.ToString("F4", System.Globalization.CultureInfo.InvariantCulture) ?? "");
        }

        AnsiConsole.Write(table);
        return MeshExitCodes.Success;
    }
}
