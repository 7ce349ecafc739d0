using System.Text.Json.Serialization;
using FineTuneMesh.Mesh.Adapters;

namespace FineTuneMesh.Mesh.Jobs;

/// <summary>A job's state, stored as JSON in the jobs bucket so it survives restarts of any component.</summary>
public sealed record JobRecord
{
    public required string Id { get; init; }
    public required TrainingJobSpec Spec { get; init; }
    public JobStatus Status { get; init; }
    public DateTimeOffset CreatedAt { get; init; }
    public DateTimeOffset? StartedAt { get; init; }
    public DateTimeOffset? FinishedAt { get; init; }
    public JobProgress? Progress { get; init; }
    public string? Error { get; init; }
    public AdapterVersionRef? Adapter { get; init; }

    /// <summary>The base model folder or repo the worker actually trained on (the built-in fallback says so).</summary>
    public string? BaseModelUsed { get; init; }

    public string? Worker { get; init; }

    /// <summary>The dtypes the last attempt trained in, why, and on which CPU.</summary>
    public ComputeChoice? Compute { get; init; }

    /// <summary>How many times a worker has started this job (a resumed job counts again).</summary>
    public int Attempts { get; init; }

    /// <summary>The step of the stored checkpoint the last attempt resumed from, when it resumed.</summary>
    public int? ResumedFromStep { get; init; }

    public bool CancelRequested { get; init; }

    /// <summary>The trace of the submission; the worker's training span belongs to the same trace.</summary>
    public string? TraceId { get; init; }

    /// <summary>The trace the last training attempt ran in (equal to <see cref="TraceId"/> when the context crossed the broker).</summary>
    public string? TrainingTraceId { get; init; }

    [JsonIgnore]
    public bool IsFinal => Status is JobStatus.Succeeded or JobStatus.Failed or JobStatus.Cancelled;
}
