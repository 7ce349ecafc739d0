namespace FineTuneMesh.Synth.Service.Jobs;

/// <summary>The job record: served by <c>GET /api/synth/jobs/{id}</c> and stored as <c>jobs/synth/{id}.json</c>.</summary>
public sealed record SynthJob
{
    public required string Id { get; init; }

    public SynthJobStatus Status { get; init; }

    public required string Provider { get; init; }

    public required string Model { get; init; }

    /// <summary>Examples asked for (seeds not counted).</summary>
    public int Count { get; init; }

    public int Accepted { get; init; }

    public int Rejected { get; init; }

    public int Batches { get; init; }

    /// <summary>Provider calls made, retries included.</summary>
    public int Requests { get; init; }

    public long InputTokens { get; init; }

    public long OutputTokens { get; init; }

    public DateTimeOffset CreatedAt { get; init; }

    public DateTimeOffset? StartedAt { get; init; }

    public DateTimeOffset? FinishedAt { get; init; }

    /// <summary>Why the job failed or stopped early.</summary>
    public string? Error { get; init; }

    /// <summary>The JSONL dataset (seeds first when included), once stored.</summary>
    public ArtifactRef? Dataset { get; init; }

    public int DatasetRecords { get; init; }

    public ArtifactRef? Report { get; init; }

    public TrainingHandoffState? Training { get; init; }

    public bool IsFinished => Status is SynthJobStatus.Succeeded or SynthJobStatus.Failed or SynthJobStatus.Cancelled;
}
