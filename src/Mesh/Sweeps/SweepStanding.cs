using FineTuneMesh.Mesh.Adapters;
using FineTuneMesh.Mesh.Jobs;

namespace FineTuneMesh.Mesh.Sweeps;

/// <summary>A trial's place on the leaderboard: its status, settings, adapter version and scores.</summary>
public sealed record SweepStanding
{
    public required int Rank { get; init; }
    public required int Index { get; init; }
    public required string JobId { get; init; }
    public required JobStatus Status { get; init; }
    public required TrialSettings Settings { get; init; }
    public AdapterVersionRef? Adapter { get; init; }
    public double? AdherenceRate { get; init; }
    public double? EvalLoss { get; init; }
    public double? ExactMatchRate { get; init; }
    public double? DurationSeconds { get; init; }
    public JobProgress? Progress { get; init; }
    public double? StoppedAtRung { get; init; }
    public string? Note { get; init; }
}
