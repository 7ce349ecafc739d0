using FineTuneMesh.Mesh.Jobs;

namespace FineTuneMesh.Mesh.Sweeps;

/// <summary>
/// A sweep as submitted: the job every trial starts from (base model, dataset, template, LoRA,
/// training and evaluation settings, the adapter name the trials publish versions of), the search
/// space, how to sample it (<c>grid</c> or <c>random</c>) within a trial budget, and early stopping.
/// The held-out records that score the trials are the base job's seeded <c>evalFraction</c> split,
/// or a second dataset (<c>evaluation.datasetKey</c>).
/// </summary>
public sealed record SweepSpec
{
    public const string Grid = "grid";
    public const string Random = "random";

    public string? Id { get; init; }
    public TrainingJobSpec Job { get; init; } = new();
    public SweepSpace Space { get; init; } = new();
    public string Sampling { get; init; } = Grid;

    /// <summary>At most this many trials (a grid larger than this is refused; random sampling draws this many).</summary>
    public int? MaxTrials { get; init; }

    public long Seed { get; init; } = 42;
    public EarlyStoppingSpec EarlyStopping { get; init; } = new();
}
