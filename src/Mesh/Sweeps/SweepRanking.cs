using FineTuneMesh.Mesh.Jobs;

namespace FineTuneMesh.Mesh.Sweeps;

/// <summary>
/// The leaderboard's order (<see cref="SweepView.RankingRule"/>) and a sweep's status from its
/// trials', the same for a sweep in the mesh and one run by the CLI.
/// </summary>
public static class SweepRanking
{
    public static IReadOnlyList<SweepStanding> Rank(IEnumerable<SweepStanding> standings) =>
    [
        .. standings
            .OrderBy(s => s.Status == JobStatus.Succeeded ? 0 : 1)
            .ThenByDescending(s => s.AdherenceRate ?? -1)
            .ThenBy(s => s.EvalLoss is { } loss && double.IsFinite(loss) ? loss : double.MaxValue)
            .ThenBy(s => s.DurationSeconds ?? double.MaxValue)
            .ThenBy(s => s.Index)
            .Select((s, i) => s with { Rank = i + 1 }),
    ];

    public static JobStatus StatusOf(IReadOnlyList<SweepStanding> trials, bool cancelRequested) =>
        trials.Any(t => t.Status == JobStatus.Running) ? JobStatus.Running
        : trials.Any(t => t.Status == JobStatus.Queued) ? (trials.Any(t => t.Status != JobStatus.Queued) ? JobStatus.Running : JobStatus.Queued)
        : cancelRequested ? JobStatus.Cancelled
        : trials.Any(t => t.Status == JobStatus.Succeeded) ? JobStatus.Succeeded
        : JobStatus.Failed;
}
