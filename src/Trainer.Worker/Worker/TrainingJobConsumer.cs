using System.Diagnostics;
using System.Text.Json;
using FineTuneMesh.Mesh;
using FineTuneMesh.Mesh.Jobs;
using FineTuneMesh.Messaging;
using FineTuneMesh.Storage;
using FineTuneMesh.ServiceDefaults;
using FineTuneMesh.Trainer.Worker.Jobs;
using FineTuneMesh.Trainer.Worker.Telemetry;
using Microsoft.Extensions.Options;
using RabbitMQ.Client;
using RabbitMQ.Client.Events;

namespace FineTuneMesh.Trainer.Worker.Worker;

/// <summary>
/// Takes training jobs from the quorum queue one at a time (prefetch 1) and acknowledges each only
/// once its adapter is stored. Outcomes: success, failure (bad data: recorded, acked, never
/// retried), cancellation, shutdown (checkpoint stored, message requeued so any worker resumes it),
/// transient errors (requeued until the delivery limit), and unreadable messages (dead-lettered).
/// </summary>
public sealed class TrainingJobConsumer(IConnection connection, ArtifactStore store, JobStore jobs, JobSubmission submission, JobRunner runner,
    CheckpointStore checkpoints, MeshPublisher publisher, RunningJobs running, IOptions<TrainerOptions> options,
    ILogger<TrainingJobConsumer> logger) : BackgroundService
{
    private Task _inFlight = Task.CompletedTask;

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        if (!options.Value.ConsumeJobs)
        {
            return;
        }

        // One channel at a time; when it is lost (broker restart, a channel the broker closed), the
        // job in hand stops and a fresh channel and consumer take over.
        await ChannelLoop.RunAsync(ConsumeUntilChannelLostAsync, error => Log.ConsumerReopening(logger, error), stoppingToken);
    }

    private async Task ConsumeUntilChannelLostAsync(CancellationToken stoppingToken)
    {
        using var channelLost = new CancellationTokenSource();
        var channel = await connection.CreateChannelAsync(cancellationToken: stoppingToken);
        try
        {
            channel.ChannelShutdownAsync += (_, _) => channelLost.CancelAsync();
            await MeshTopology.DeclareAsync(channel, stoppingToken);
            await channel.BasicQosAsync(prefetchSize: 0, prefetchCount: 1, global: false, stoppingToken);
            var consumer = new AsyncEventingBasicConsumer(channel);
            consumer.ReceivedAsync += (_, delivery) =>
            {
                var handling = HandleAsync(channel, delivery, channelLost.Token, stoppingToken);
                Volatile.Write(ref _inFlight, handling);
                return handling;
            };
            var consumerTag = await channel.BasicConsumeAsync(MeshTopology.TrainingQueue, autoAck: false, consumer, stoppingToken);
            using var stopOrLoss = CancellationTokenSource.CreateLinkedTokenSource(stoppingToken, channelLost.Token);
            try
            {
                await Task.Delay(Timeout.Infinite, stopOrLoss.Token);
            }
            catch (OperationCanceledException)
            {
                // Stopping, or the channel is gone.
            }

            if (stoppingToken.IsCancellationRequested && channel.IsOpen)
            {
                // No new delivery while the job in hand checkpoints and requeues.
                await channel.BasicCancelAsync(consumerTag, noWait: false, CancellationToken.None);
            }

            await Volatile.Read(ref _inFlight);
        }
        finally
        {
            // Disposed rather than left to automatic recovery, so that exactly one consumer is ever open.
            await channel.DisposeAsync();
        }
    }

    private async Task HandleAsync(IChannel channel, BasicDeliverEventArgs delivery, CancellationToken channelLost, CancellationToken stoppingToken)
    {
        try
        {
            await HandleDeliveryAsync(channel, delivery, channelLost, stoppingToken);
        }
        catch (Exception e) when (!stoppingToken.IsCancellationRequested && !channelLost.IsCancellationRequested)
        {
            // Storage or the broker failed around the job, not the job itself: give the message back
            // (the delivery limit still applies), and keep this consumer taking work.
            Log.HandlingFailed(logger, e.Message);
            await TryAsync(() => channel.BasicNackAsync(delivery.DeliveryTag, multiple: false, requeue: true, CancellationToken.None).AsTask());
        }
    }

    private async Task HandleDeliveryAsync(IChannel channel, BasicDeliverEventArgs delivery, CancellationToken channelLost, CancellationToken stoppingToken)
    {
        var deliveryCount = DeliveryCount(delivery);
        TrainingJobSpec? spec;
        try
        {
            spec = MeshJson.Deserialize<TrainingJobSpec>(delivery.Body.Span);
        }
        catch (JsonException e)
        {
            await DeadLetterAsync(channel, delivery, $"not a training job: {e.Message}");
            return;
        }

        if (spec is null)
        {
            await DeadLetterAsync(channel, delivery, "the message body is JSON null");
            return;
        }

        var id = JobMessages.IdOf(spec, delivery);
        spec = spec with { Id = id };
        if (!MeshNames.IsValid(id))
        {
            await DeadLetterAsync(channel, delivery, MeshNames.Describe("job id", id));
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
                    await DeadLetterAsync(channel, delivery, $"job {id}: {error}");
                    return;
                }

                record = accepted.Record;
            }

            // A first delivery of a job some worker is already running is a second copy of the message
            // (a publisher sent it twice); a redelivery of a running job is one whose worker died.
            if (record.IsFinal || (record.Status == JobStatus.Running && !delivery.Redelivered))
            {
                Log.DuplicateDelivery(logger, id, record.Status.ToString());
                await channel.BasicAckAsync(delivery.DeliveryTag, multiple: false, CancellationToken.None);
                return;
            }

            if (record.CancelRequested || jobCancel.IsCancellationRequested)
            {
                await FinishAsync(record with { Status = JobStatus.Cancelled, FinishedAt = DateTimeOffset.UtcNow }, CancellationToken.None);
                await channel.BasicAckAsync(delivery.DeliveryTag, multiple: false, CancellationToken.None);
                return;
            }

            await RunAsync(channel, delivery, record, deliveryCount, jobCancel, channelLost, stoppingToken);
        }
        finally
        {
            running.End(id);
        }
    }

    private async Task RunAsync(IChannel channel, BasicDeliverEventArgs delivery, JobRecord record, int deliveryCount,
        CancellationTokenSource jobCancel, CancellationToken channelLost, CancellationToken stoppingToken)
    {
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
        if (!await ClaimHeldAsync(record, stoppingToken))
        {
            // Another worker took a second copy of this job's message at the same moment and won the claim.
            Log.DuplicateDelivery(logger, record.Id, "claimed by another worker");
            await TryAsync(() => channel.BasicAckAsync(delivery.DeliveryTag, multiple: false, CancellationToken.None).AsTask());
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
            await TryAsync(() => channel.BasicAckAsync(delivery.DeliveryTag, multiple: false, CancellationToken.None).AsTask());
            Log.JobSucceeded(logger, record.Id, manifest.Name, manifest.Version, manifest.Metrics.FirstLoss, manifest.Metrics.FinalLoss,
                clock.Elapsed.TotalSeconds);
        }
        catch (OperationCanceledException) when (jobCancel.IsCancellationRequested)
        {
            await TryAsync(() => checkpoints.DeleteAsync(record.Id, CancellationToken.None));
            await FinishAsync(tracker.Current with { Status = JobStatus.Cancelled, FinishedAt = DateTimeOffset.UtcNow }, CancellationToken.None);
            await TryAsync(() => channel.BasicAckAsync(delivery.DeliveryTag, multiple: false, CancellationToken.None).AsTask());
            Log.JobCancelled(logger, record.Id);
            outcome = "cancelled";
        }
        catch (OperationCanceledException) when (stoppingToken.IsCancellationRequested || channelLost.IsCancellationRequested)
        {
            // Not the job's fault: back to the queue, where any worker resumes it from the stored checkpoint.
            // A lost channel has already given the message back; a stopping worker hands it back itself.
            outcome = await RequeueAsync(channel, delivery, tracker, handBack: !channelLost.IsCancellationRequested);
        }
        catch (Exception e) when (IsPermanent(e) || deliveryCount + 1 >= MeshTopology.DeliveryLimit)
        {
            // Bad data fails the same way every time: record why, and do not retry it.
            await TryAsync(() => checkpoints.DeleteAsync(record.Id, CancellationToken.None));
            await FinishAsync(tracker.Current with { Status = JobStatus.Failed, FinishedAt = DateTimeOffset.UtcNow, Error = ServerPaths.Redact(e.Message) },
                CancellationToken.None);
            if (IsPermanent(e))
            {
                await TryAsync(() => channel.BasicAckAsync(delivery.DeliveryTag, multiple: false, CancellationToken.None).AsTask());
            }
            else
            {
                await DeadLetterAsync(channel, delivery, $"job {record.Id} failed on its last allowed delivery: {e.Message}");
            }

            Log.JobFailed(logger, record.Id, e.Message);
            activity?.SetStatus(ActivityStatusCode.Error, e.Message);
            outcome = "failed";
        }
        catch (Exception e)
        {
            await TryAsync(() => jobs.SaveAsync(tracker.Current with { Status = JobStatus.Queued, Worker = null, Error = ServerPaths.Redact(e.Message) }, CancellationToken.None));
            await TryAsync(() => channel.BasicNackAsync(delivery.DeliveryTag, multiple: false, requeue: true, CancellationToken.None).AsTask());
            Log.JobRetried(logger, record.Id, deliveryCount + 1, e.Message);
            outcome = "retried";
        }

        activity?.SetTag("finetunemesh.job.outcome", outcome);
        TrainerTelemetry.Jobs.Add(1, new KeyValuePair<string, object?>("outcome", outcome));
        TrainerTelemetry.JobDuration.Record(clock.Elapsed.TotalSeconds, new KeyValuePair<string, object?>("outcome", outcome));
    }

    /// <summary>
    /// Two copies of one job's message (a publisher that sent it twice) can reach two idle workers at
    /// once, and both read it as queued. Each claims the attempt number it wrote into the record
    /// (<c>claims/{id}/attempt-{n}</c>, created only if absent: see <see cref="ArtifactStore.TryCreateAsync"/>),
    /// and only the worker that got it trains; it writes the record again, since the loser's write
    /// may have landed last.
    /// </summary>
    private async Task<bool> ClaimHeldAsync(JobRecord claimed, CancellationToken stoppingToken)
    {
        var claim = MeshJson.Serialize(new { worker = claimed.Worker, attempt = claimed.Attempts, at = DateTimeOffset.UtcNow });
        if (!await store.TryCreateAsync(MeshBuckets.Jobs, $"claims/{claimed.Id}/attempt-{claimed.Attempts}", claim, stoppingToken))
        {
            return false;
        }

        await jobs.SaveAsync(claimed, stoppingToken);
        return true;
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
    private async Task<string> RequeueAsync(IChannel channel, BasicDeliverEventArgs delivery, JobProgressTracker tracker, bool handBack)
    {
        var stored = await TryGetAsync(tracker.Current.Id);
        if (stored?.CancelRequested == true)
        {
            await TryAsync(() => checkpoints.DeleteAsync(tracker.Current.Id, CancellationToken.None));
            await FinishAsync(tracker.Current with { Status = JobStatus.Cancelled, FinishedAt = DateTimeOffset.UtcNow, CancelRequested = true },
                CancellationToken.None);
            if (handBack)
            {
                await TryAsync(() => channel.BasicAckAsync(delivery.DeliveryTag, multiple: false, CancellationToken.None).AsTask());
            }

            return "cancelled";
        }

        await TryAsync(() => jobs.SaveAsync(tracker.Current with { Status = JobStatus.Queued, Worker = null }, CancellationToken.None));
        await TryAsync(() => PublishStatusAsync(tracker.Current with { Status = JobStatus.Queued }, CancellationToken.None));
        if (handBack)
        {
            await TryAsync(() => channel.BasicNackAsync(delivery.DeliveryTag, multiple: false, requeue: true, CancellationToken.None).AsTask());
        }

        Log.JobRequeuedOnShutdown(logger, tracker.Current.Id, tracker.LastStep);
        return "requeued";
    }

    private async Task<JobRecord?> TryGetAsync(string id)
    {
        try
        {
            return await jobs.GetAsync(id, CancellationToken.None);
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
        for (var attempt = 1; ; attempt++)
        {
            try
            {
                await jobs.SaveAsync(record, cancellationToken);
                break;
            }
            catch (Exception e) when (e is not OperationCanceledException && attempt < attempts)
            {
                Log.BookkeepingFailed(logger, e.Message);
                await Task.Delay(TimeSpan.FromSeconds(attempt), cancellationToken);
            }
            catch (Exception e) when (e is not OperationCanceledException)
            {
                Log.BookkeepingFailed(logger, e.Message);
                break;
            }
        }

        await TryAsync(() => PublishStatusAsync(record, cancellationToken));
    }

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

    private async Task DeadLetterAsync(IChannel channel, BasicDeliverEventArgs delivery, string reason)
    {
        Log.DeadLettered(logger, reason);
        TrainerTelemetry.DeadLettered.Add(1);
        await TryAsync(() => channel.BasicRejectAsync(delivery.DeliveryTag, requeue: false, CancellationToken.None).AsTask());
    }

    /// <summary>Errors that a retry cannot fix: the data or the settings are wrong.</summary>
    private static bool IsPermanent(Exception e) => e is InvalidDataException or ArgumentException or FormatException or JsonException;

    private static int DeliveryCount(BasicDeliverEventArgs delivery) =>
        delivery.BasicProperties.Headers?.TryGetValue(MeshTopology.DeliveryCountHeader, out var value) == true
            ? Convert.ToInt32(value, System.Globalization.CultureInfo.InvariantCulture)
            : 0;
}
