using System.Text.Json;
using FineTuneMesh.Cli.Mesh;
using FineTuneMesh.Mesh;
using FineTuneMesh.Mesh.Jobs;
using FineTuneMesh.Mesh.Sweeps;
using Spectre.Console;

namespace FineTuneMesh.Cli.Commands.Mesh;

/// <summary>Follows a sweep's events, redrawing its leaderboard; the exit code says whether any trial succeeded.</summary>
public static class SweepWatcher
{
    public static async Task<int> WatchAsync(MeshClient mesh, string id, CancellationToken cancellationToken)
    {
        SweepView? last = null;
        await AnsiConsole.Live(new Text($"sweep {id}: waiting for its first standing")).StartAsync(async live =>
        {
            await foreach (var item in mesh.EventsAsync(new HttpRequestMessage(HttpMethod.Get, $"api/train/sweeps/{id}/events"), cancellationToken))
            {
                last = JsonSerializer.Deserialize<SweepView>(item.Data, MeshJson.Options)!;
                live.UpdateTarget(SweepBoardTable.Of(last));
            }
        });

        last = await mesh.GetAsync<SweepView>($"api/train/sweeps/{id}", cancellationToken);
        if (Console.IsOutputRedirected)
        {
            AnsiConsole.Write(SweepBoardTable.Of(last));
        }

        var winner = last.Leaderboard.FirstOrDefault(s => s.Status == JobStatus.Succeeded);
        Console.WriteLine(winner?.Adapter is { } a
            ? $"sweep {last.Id} {last.Status.ToString().ToLowerInvariant()}: the best trial is {winner.Index}, adapter {a.Name} version {a.Version}"
            : $"sweep {last.Id} {last.Status.ToString().ToLowerInvariant()}: no trial succeeded");
        return last.Status == JobStatus.Succeeded ? MeshExitCodes.Success : MeshExitCodes.WorkFailed;
    }
}
