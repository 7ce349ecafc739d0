namespace FineTuneMesh.Mesh.Sweeps;

/// <summary>
/// A sweep as stored: its spec, its trials (ordinary training jobs), and whether cancellation was
/// asked for. What early stopping decides is stored beside it, one object a decision, so that
/// supervisors on several trainers never overwrite each other.
/// </summary>
public sealed record SweepRecord
{
    public required string Id { get; init; }
    public required SweepSpec Spec { get; init; }
    public required IReadOnlyList<SweepTrial> Trials { get; init; }
    public DateTimeOffset CreatedAt { get; init; }
    public bool CancelRequested { get; init; }
    public string? TraceId { get; init; }
}
