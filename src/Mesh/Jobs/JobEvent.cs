using FineTuneMesh.Mesh.Adapters;

namespace FineTuneMesh.Mesh.Jobs;

/// <summary>
/// Published on the events exchange as <c>training.{jobId}.{kind}</c>: <c>progress</c> after
/// steps, a status name (<c>running</c>, <c>succeeded</c>, ...) on changes, <c>cancel</c> to ask
/// the worker running the job to stop.
/// </summary>
public sealed record JobEvent
{
    public const string ProgressKind = "progress";
    public const string CancelKind = "cancel";

    public required string JobId { get; init; }
    public required string Kind { get; init; }
    public JobStatus? Status { get; init; }
    public JobProgress? Progress { get; init; }
    public AdapterVersionRef? Adapter { get; init; }
    public string? Error { get; init; }
    public DateTimeOffset At { get; init; } = DateTimeOffset.UtcNow;

    public static string StatusKind(JobStatus status) => status.ToString().ToLowerInvariant();
}
