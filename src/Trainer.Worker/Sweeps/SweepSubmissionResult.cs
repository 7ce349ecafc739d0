using FineTuneMesh.Mesh.Sweeps;

namespace FineTuneMesh.Trainer.Worker.Sweeps;

/// <summary>A sweep submission's outcome: a new record, the existing record of the same sweep, a conflict, or every reason it was refused.</summary>
public sealed record SweepSubmissionResult(SweepRecord? Record, bool Created, IReadOnlyList<string> Errors, string? Conflict);
