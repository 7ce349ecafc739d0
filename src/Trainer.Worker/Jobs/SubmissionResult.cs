using FineTuneMesh.Mesh.Jobs;

namespace FineTuneMesh.Trainer.Worker.Jobs;

/// <summary>
/// The outcome of a submission: a new record, the existing record of an identical earlier
/// submission (idempotency), a conflict (same id, different job), or validation errors.
/// </summary>
public sealed record SubmissionResult(JobRecord? Record, bool Created, IReadOnlyList<string> Errors, string? Conflict)
{
    public static SubmissionResult Invalid(IReadOnlyList<string> errors) => new(null, false, errors, null);
}
