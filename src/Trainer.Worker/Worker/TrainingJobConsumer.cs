using System.Diagnostics;
using System.Text.Json;
using FineTuneMesh.Mesh;
using FineTuneMesh.Mesh.Jobs;
using FineTuneMesh.Messaging;
using FineTuneMesh.ServiceDefaults;
using FineTuneMesh.Storage;
using FineTuneMesh.Trainer.Worker.Jobs;
using FineTuneMesh.Trainer.Worker.Telemetry;
using Microsoft.Extensions.Options;
using Polly;
using Polly.Retry;
using RabbitMQ.Client;

namespace FineTuneMesh.Trainer.Worker.Worker;

/// <summary>
/// Takes training jobs from the quorum queue one at a time and acknowledges each only once its
/// adapter is stored. Outcomes (the rules are in <see cref="ConsumerDecisions"/>): success,
/// failure (bad data: recorded, acked, never retried), cancellation, shutdown (checkpoint stored,
/// message requeued so any worker resumes it), transient errors (requeued until the delivery
/// limit), and unreadable messages (dead-lettered). The channel plumbing is <see cref="WorkQueueConsumer"/>'s.
/// </summary>
public sealed class TrainingJobConsumer(IConnection connection, JobStore jobs, JobClaim claims, JobSubmission submission, JobRunner runner,
    CheckpointStore checkpoints, MeshPublisher publisher, RunningJobs running, IOptions<TrainerOptions> options,
    ILogger<TrainingJobConsumer> logger) : BackgroundService
{
    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        if (!options.Value.ConsumeJobs)
        {
            return;
        }

        await WorkQueueConsumer.RunAsync(connection, MeshTopology.TrainingQueue, HandleAsync, error => Log.ConsumerReopening(logger, error),
            stoppingToken);
    }

    private async Task HandleAsync(QueueDelivery delivery, CancellationToken channelLost, CancellationToken stoppingToken)
    {
        try
        {
            await HandleDeliveryAsync(delivery, channelLost, stoppingToken);
        }
        catch (Exception e) when (!stoppingToken.IsCancellationRequested && !channelLost.IsCancellationRequested)
        {
            // Storage or the broker failed around the job, not the job itself: give the message back
            // (the delivery limit still applies), and keep this consumer taking work.
            Log.HandlingFailed(logger, e.Message);
            await TryAsync(delivery.RequeueAsync);
        }
    }

    private async Task HandleDeliveryAsync(QueueDelivery delivery, CancellationToken channelLost, CancellationToken stoppingToken)
    {
        TrainingJobSpec? spec;
        try
        {
            spec = MeshJson.Deserialize<TrainingJobSpec>(delivery.Body.Span);
        }
        catch (JsonException e)
        {
            await DeadLetterAsync(delivery, $"not a training job: {e.Message}");
            return;
        }

        if (spec is null)
        {
            await DeadLetterAsync(delivery, "the message body is JSON null");
            return;
        }

        var id = JobMessages.IdOf(spec, delivery);
        spec = spec with { Id = id };
        if (!MeshNames.IsValid(id))
        {
            await DeadLetterAsync(delivery, MeshNames.Describe("job id", id));
            return;
        }

        // Listening for a cancel from here on, before the record is read: none can slip in between.
        using var jobCancel = running.Start(id);
        try
        {
            var record = await ReadRecordAsync(id, stoppingToken);
            if (record is null)
            {
                // Published straight to the queue by another app: validate and record it now.
                var accepted = await submission.AcceptAsync(spec, stoppingToken);
                if (accepted.Record is null)
                {
                    var error = "invalid job: " + string.Join(" ", accepted.Errors);
                    await jobs.SaveAsync(new JobRecord
                    {
                        Id = id, Spec = spec, Status = JobStatus.Failed, CreatedAt = DateTimeOffset.UtcNow, FinishedAt = DateTimeOffset.UtcNow, Error = error,
                    }, CancellationToken.None);
                    await DeadLetterAsync(delivery, $"job {id}: {error}");
                    return;
                }

                record = accepted.Record;
            }

            if (!record.CancelRequested && await jobs.CancelRequestedAsync(id, CancellationToken.None))
            {
                record = record with { CancelRequested = true };
            }

            switch (ConsumerDecisions.OnDelivery(record, delivery.Redelivered, jobCancel.IsCancellationRequested))
            {
                case DeliveryAction.SkipDuplicate:
                    Log.DuplicateDelivery(logger, id, record.Status.ToString());
                    await delivery.AckAsync();
                    break;
                case DeliveryAction.FinishCancelled:
                    await FinishAsync(record with { Status = JobStatus.Cancelled, FinishedAt = DateTimeOffset.UtcNow }, CancellationToken.None);
                    await delivery.AckAsync();
                    break;
                default:
                    await RunAsync(delivery, record, jobCancel, channelLost, stoppingToken);
                    break;
            }
        }
        finally
        {
            running.End(id);
        }
    }

    private async Task RunAsync(QueueDelivery delivery, JobRecord record, CancellationTokenSource jobCancel, CancellationToken channelLost,
        CancellationToken stoppingToken)
    {
        var deliveryCount = delivery.DeliveryCount;
        using var activity = TrainerTelemetry.Source.StartActivity("training job");
        activity?.SetTag("finetunemesh.job.id", record.Id);
        activity?.SetTag("finetunemesh.adapter", record.Spec.AdapterName);
        activity?.SetTag("messaging.rabbitmq.delivery_count", deliveryCount);
        var clock = Stopwatch.StartNew();
        record = record with
        {
            Status = JobStatus.Running,
            StartedAt = record.StartedAt ?? DateTimeOffset.UtcNow,
            Attempts = record.Attempts + 1,
            Worker = WorkerIdentity.Name,
            Error = null,
            TrainingTraceId = activity?.TraceId.ToString(),
        };
        await jobs.SaveAsync(record, stoppingToken);
        if (!await claims.TryTakeAsync(record, stoppingToken))
        {
            // Another worker took a second copy of this job's message at the same moment and won the claim.
            Log.DuplicateDelivery(logger, record.Id, "claimed by another worker");
            await TryAsync(delivery.AckAsync);
            return;
        }

        await TryAsync(() => PublishStatusAsync(record, CancellationToken.None));
        Log.JobStarted(logger, record.Id, record.Attempts, record.Spec.BaseModel ?? "(configured)");

        using var linked = CancellationTokenSource.CreateLinkedTokenSource(jobCancel.Token, stoppingToken, channelLost);
        using var tracker = new JobProgressTracker(record, jobs, publisher, checkpoints, options.Value.RecordRefreshInterval, logger);
        var outcome = "succeeded";
        try
        {
            var manifest = await runner.RunAsync(tracker, linked.Token);

            // Stored: from here on nothing may send the job back to the queue, or it would train twice.
            await TryAsync(() => checkpoints.DeleteAsync(record.Id, CancellationToken.None));
            await FinishAsync(tracker.Current with { Status = JobStatus.Succeeded, FinishedAt = DateTimeOffset.UtcNow, Adapter = manifest.ToRef() },
                CancellationToken.None, attempts: 3);
            await TryAsync(delivery.AckAsync);
            Log.JobSucceeded(logger, record.Id, manifest.Name, manifest.Version, manifest.Metrics.FirstLoss, manifest.Metrics.FinalLoss,
                clock.Elapsed.TotalSeconds);
        }
        catch (OperationCanceledException) when (jobCancel.IsCancellationRequested)
        {
            await TryAsync(() => checkpoints.DeleteAsync(record.Id, CancellationToken.None));
            await FinishAsync(tracker.Current with { Status = JobStatus.Cancelled, FinishedAt = DateTimeOffset.UtcNow }, CancellationToken.None);
            await TryAsync(delivery.AckAsync);
            Log.JobCancelled(logger, record.Id);
            outcome = "cancelled";
        }
        catch (OperationCanceledException) when (stoppingToken.IsCancellationRequested || channelLost.IsCancellationRequested)
        {
            // Not the job's fault: back to the queue, where any worker resumes it from the stored checkpoint.
            // A lost channel has already given the message back; a stopping worker hands it back itself.
            outcome = await RequeueAsync(delivery, tracker, handBack: !channelLost.IsCancellationRequested);
        }
        catch (Exception e) when (ConsumerDecisions.OnFailure(e, deliveryCount) is var action && action != FailureAction.Requeue)
        {
            await TryAsync(() => checkpoints.DeleteAsync(record.Id, CancellationToken.None));
            await FinishAsync(tracker.Current with { Status = JobStatus.Failed, FinishedAt = DateTimeOffset.UtcNow, Error = ServerPaths.Redact(e.Message) },
                CancellationToken.None);
            if (action == FailureAction.FailAndAcknowledge)
            {
                await TryAsync(delivery.AckAsync);
            }
            else
            {
                await DeadLetterAsync(delivery, $"job {record.Id} failed on its last allowed delivery: {e.Message}");
            }

            Log.JobFailed(logger, record.Id, e.Message);
            activity?.SetStatus(ActivityStatusCode.Error, e.Message);
            outcome = "failed";
        }
        catch (Exception e)
        {
            await TryAsync(() => jobs.SaveAsync(tracker.Current with { Status = JobStatus.Queued, Worker = null, Error = ServerPaths.Redact(e.Message) }, CancellationToken.None));
            await TryAsync(delivery.RequeueAsync);
            Log.JobRetried(logger, record.Id, deliveryCount + 1, e.Message);
            outcome = "retried";
        }

        activity?.SetTag("finetunemesh.job.outcome", outcome);
        TrainerTelemetry.Jobs.Add(1, new KeyValuePair<string, object?>("outcome", outcome));
        TrainerTelemetry.JobDuration.Record(clock.Elapsed.TotalSeconds, new KeyValuePair<string, object?>("outcome", outcome));
    }

    /// <summary>
    /// The job's record; null when there is none, or when it cannot be read back intact (two writes
    /// interleaved on a non-atomic server), so that it is validated and written again rather than
    /// looping the message until it is dead-lettered.
    /// </summary>
    private async Task<JobRecord?> ReadRecordAsync(string id, CancellationToken stoppingToken)
    {
        try
        {
            return await jobs.GetAsync(id, stoppingToken);
        }
        catch (InvalidDataException e)
        {
            Log.BookkeepingFailed(logger, $"{e.Message}; writing the record again");
            return null;
        }
    }

    /// <summary>Puts an interrupted job back in the queue, unless it was cancelled meanwhile (the flag in storage says so).</summary>
    private async Task<string> RequeueAsync(QueueDelivery delivery, JobProgressTracker tracker, bool handBack)
    {
        if (ConsumerDecisions.OnInterruption(await TryGetAsync(tracker.Current.Id)) == InterruptionAction.FinishCancelled)
        {
            await TryAsync(() => checkpoints.DeleteAsync(tracker.Current.Id, CancellationToken.None));
            await FinishAsync(tracker.Current with { Status = JobStatus.Cancelled, FinishedAt = DateTimeOffset.UtcNow, CancelRequested = true },
                CancellationToken.None);
            if (handBack)
            {
                await TryAsync(delivery.AckAsync);
            }

            return "cancelled";
        }

        await TryAsync(() => jobs.SaveAsync(tracker.Current with { Status = JobStatus.Queued, Worker = null }, CancellationToken.None));
        await TryAsync(() => PublishStatusAsync(tracker.Current with { Status = JobStatus.Queued }, CancellationToken.None));
        if (handBack)
        {
            await TryAsync(delivery.RequeueAsync);
        }

        Log.JobRequeuedOnShutdown(logger, tracker.Current.Id, tracker.LastStep);
        return "requeued";
    }

    /// <summary>The job's record as stored, a stored cancellation request folded in; null when it cannot be read.</summary>
    private async Task<JobRecord?> TryGetAsync(string id)
    {
        try
        {
            var record = await jobs.GetAsync(id, CancellationToken.None);
            return record is { CancelRequested: false } && await jobs.CancelRequestedAsync(id, CancellationToken.None)
                ? record with { CancelRequested = true }
                : record;
        }
        catch (Exception e) when (e is not OperationCanceledException)
        {
            return null;
        }
    }

    /// <summary>Bookkeeping that must not turn a finished job into a failed one: errors are logged, not thrown.</summary>
    private async Task TryAsync(Func<Task> action)
    {
        try
        {
            await action();
        }
        catch (Exception e)
        {
            Log.BookkeepingFailed(logger, e.Message);
        }
    }

    /// <summary>Writes the final record (retrying a failed write), then tells the listeners.</summary>
    private async Task FinishAsync(JobRecord record, CancellationToken cancellationToken, int attempts = 2)
    {
        try
        {
            await FinalWrite(attempts).ExecuteAsync(async token => await jobs.SaveAsync(record, token), cancellationToken);
        }
        catch (Exception e) when (e is not OperationCanceledException)
        {
            Log.BookkeepingFailed(logger, e.Message);
        }

        await TryAsync(() => PublishStatusAsync(record, cancellationToken));
    }

    /// <summary>A failed write of a final record is tried again after 1 s, then 2 s, ..., up to <paramref name="attempts"/> in all.</summary>
    private ResiliencePipeline FinalWrite(int attempts) => new ResiliencePipelineBuilder().AddRetry(new RetryStrategyOptions
    {
        ShouldHandle = new PredicateBuilder().Handle<Exception>(e => e is not OperationCanceledException),
        MaxRetryAttempts = attempts - 1,
        BackoffType = DelayBackoffType.Linear,
        Delay = TimeSpan.FromSeconds(1),
        OnRetry = retry =>
        {
            Log.BookkeepingFailed(logger, retry.Outcome.Exception?.Message ?? "the write failed");
            return default;
        },
    }).Build();

    private Task PublishStatusAsync(JobRecord record, CancellationToken cancellationToken) =>
        publisher.PublishEventAsync(new JobEvent
        {
            JobId = record.Id,
            Kind = JobEvent.StatusKind(record.Status),
            Status = record.Status,
            Progress = record.Progress,
            Adapter = record.Adapter,
            Error = record.Error,
        }, cancellationToken);

    private async Task DeadLetterAsync(QueueDelivery delivery, string reason)
    {
        Log.DeadLettered(logger, reason);
        TrainerTelemetry.DeadLettered.Add(1);
        await TryAsync(delivery.DeadLetterAsync);
    }
}
