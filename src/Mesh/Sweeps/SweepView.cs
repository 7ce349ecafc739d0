using FineTuneMesh.Mesh.Jobs;

namespace FineTuneMesh.Mesh.Sweeps;

/// <summary>
/// A sweep as the API shows it: its record, its status (from its trials'), and the leaderboard
/// ranked by <see cref="RankingRule"/>.
/// </summary>
public sealed record SweepView
{
    public const string RankingRule =
        "finished trials first; then held-out adherence rate (higher first), then eval loss (lower first; a diverged NaN loss last), then training time (shorter first)";

    public required string Id { get; init; }
    public required JobStatus Status { get; init; }
    public required SweepSpec Spec { get; init; }
    public required IReadOnlyList<SweepStanding> Leaderboard { get; init; }
    public string Ranking => RankingRule;
    public int Trials => Leaderboard.Count;
    public int Finished => Leaderboard.Count(s => s.Status is JobStatus.Succeeded or JobStatus.Failed or JobStatus.Cancelled);
    public DateTimeOffset CreatedAt { get; init; }
    public bool CancelRequested { get; init; }
}
