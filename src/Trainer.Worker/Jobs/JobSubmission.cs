using System.Diagnostics;
using System.Text.Json;
using FineTuneMesh.Mesh;
using FineTuneMesh.Mesh.Jobs;
using FineTuneMesh.Messaging;
using FineTuneMesh.Storage;
using FineTuneMesh.Trainer.Worker.Telemetry;

namespace FineTuneMesh.Trainer.Worker.Jobs;

/// <summary>
/// Accepts a job: validates it, stores inline records as a dataset object, writes the queued
/// record, and (for REST submissions) publishes it to the queue with a broker confirm. The job id
/// is the idempotency key: resubmitting the same job returns the existing record and trains nothing.
/// </summary>
public sealed class JobSubmission(JobValidator validator, JobStore jobs, ArtifactStore store, MeshPublisher publisher,
    ILogger<JobSubmission> logger)
{
    public static string InlineDatasetKey(string jobId) => $"jobs/{jobId}.jsonl";

    /// <summary>A submission through the REST API: recorded, then published.</summary>
    public async Task<SubmissionResult> SubmitAsync(TrainingJobSpec spec, CancellationToken cancellationToken)
    {
        using var activity = TrainerTelemetry.Source.StartActivity("training job submit");
        var id = spec.Id ?? "job-" + Guid.NewGuid().ToString("N")[..16];
        activity?.SetTag("finetunemesh.job.id", id);
        spec = spec with { Id = id };
        if (MeshNames.IsValid(id) && await jobs.GetAsync(id, cancellationToken) is { } existing)
        {
            return Same(existing.Spec, spec)
                ? new SubmissionResult(existing, false, [], null)
                : new SubmissionResult(existing, false, [], $"job '{id}' already exists with different settings; use a new id.");
        }

        var result = await AcceptAsync(spec, cancellationToken);
        if (result.Record is { } record)
        {
            try
            {
                // Not the request's token: a client that leaves mid-publish must not leave a record without a message.
                await publisher.PublishJobAsync(record.Spec, CancellationToken.None);
            }
            catch (Exception e)
            {
                // Not queued, so not recorded either: a retry with the same id starts afresh instead of
                // finding a "queued" record that no message will ever run.
                await jobs.DeleteAsync(record.Id, CancellationToken.None);
                throw new QueueUnavailableException($"the job queue is unavailable ({e.Message}); nothing was queued, retry shortly.", e);
            }

            Log.JobQueued(logger, record.Id, record.Spec.AdapterName);
        }

        activity?.SetStatus(result.Errors.Count == 0 ? ActivityStatusCode.Ok : ActivityStatusCode.Error);
        return result;
    }

    /// <summary>
    /// Validates and records a job without publishing it: the REST path publishes next, and a job
    /// published straight to the queue by another app is already there.
    /// </summary>
    public async Task<SubmissionResult> AcceptAsync(TrainingJobSpec spec, CancellationToken cancellationToken)
    {
        var (job, errors) = await validator.ValidateAsync(spec, cancellationToken);
        if (job is null)
        {
            return SubmissionResult.Invalid(errors);
        }

        var id = spec.Id!;
        if (job.InlineDataset is { } records)
        {
            await store.PutBytesAsync(MeshBuckets.Datasets, InlineDatasetKey(id), records, "application/jsonl", cancellationToken);
            spec = spec with { Dataset = new DatasetSource { Key = InlineDatasetKey(id) } };
        }

        var record = new JobRecord
        {
            Id = id, Spec = spec, Status = JobStatus.Queued, CreatedAt = DateTimeOffset.UtcNow, TraceId = Activity.Current?.TraceId.ToString(),
        };
        await jobs.SaveAsync(record, cancellationToken);
        return new SubmissionResult(record, true, [], null);
    }

    /// <summary>Same job: equal settings, where inline records count as equal to the dataset object they were stored as.</summary>
    private static bool Same(TrainingJobSpec stored, TrainingJobSpec submitted)
    {
        // A resubmission can be anything the JSON reader lets through, a null dataset included.
        if (submitted.Dataset?.Records is not null && stored.Dataset.Key == InlineDatasetKey(stored.Id!))
        {
            submitted = submitted with { Dataset = stored.Dataset };
        }

        return JsonSerializer.Serialize(stored, MeshJson.Options) == JsonSerializer.Serialize(submitted, MeshJson.Options);
    }
}
