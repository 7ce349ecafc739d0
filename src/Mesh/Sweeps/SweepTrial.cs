namespace FineTuneMesh.Mesh.Sweeps;

/// <summary>
/// One trial of a sweep: its index, its training job, the settings it takes from the search space,
/// and how often it computes the eval loss (so every early-stopping rung has a fresh one).
/// </summary>
public sealed record SweepTrial
{
    public required int Index { get; init; }
    public required string JobId { get; init; }
    public required TrialSettings Settings { get; init; }
    public int EvalEverySteps { get; init; }
}
