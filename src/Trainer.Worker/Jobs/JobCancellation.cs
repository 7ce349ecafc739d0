using FineTuneMesh.Mesh.Jobs;
using FineTuneMesh.Messaging;
using FineTuneMesh.Storage;

namespace FineTuneMesh.Trainer.Worker.Jobs;

/// <summary>
/// Cancels a job: a queued one at once (its record says so, and its message is skipped when a
/// worker takes it), a running one within a training step (its worker hears the cancel event).
/// For the REST API, sweeps and early stopping alike.
/// </summary>
public sealed class JobCancellation(JobStore jobs, MeshPublisher publisher)
{
    /// <summary>The updated record; null when there is no such job; the record unchanged when it had already ended.</summary>
    public async Task<JobRecord?> CancelAsync(string id, CancellationToken cancellationToken)
    {
        if (await jobs.GetAsync(id, cancellationToken) is not { } record)
        {
            return null;
        }

        if (record.IsFinal)
        {
            return record;
        }

        // The request is an object of its own: a running job's record belongs to its worker, and
        // rewriting it here could undo the worker's own last write (its success, say).
        await jobs.RequestCancelAsync(id, cancellationToken);
        if (record.Status == JobStatus.Queued)
        {
            record = record with { CancelRequested = true, Status = JobStatus.Cancelled, FinishedAt = DateTimeOffset.UtcNow };
            await jobs.SaveAsync(record, cancellationToken);
        }
        else
        {
            record = record with { CancelRequested = true };
        }

        await publisher.PublishEventAsync(new JobEvent { JobId = id, Kind = JobEvent.CancelKind }, cancellationToken);
        if (record.Status == JobStatus.Cancelled)
        {
            await publisher.PublishEventAsync(new JobEvent { JobId = id, Kind = JobEvent.StatusKind(JobStatus.Cancelled), Status = JobStatus.Cancelled },
                cancellationToken);
        }

        return record;
    }
}
