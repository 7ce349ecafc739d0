using System.Diagnostics;
using System.Security.Cryptography;
using System.Text.Json;
using FineTuneMesh.Mesh;
using FineTuneMesh.Mesh.Jobs;
using FineTuneMesh.Mesh.Messaging;
using FineTuneMesh.Mesh.Storage;
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
public sealed class TrainingJobConsumer(IConnection connection, JobStore jobs, JobSubmission submission, JobRunner runner,
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

        await using var channel = await connection.CreateChannelAsync(cancellationToken: stoppingToken);
        await MeshTopology.DeclareAsync(channel, stoppingToken);
        await channel.BasicQosAsync(prefetchSize: 0, prefetchCount: 1, global: false, stoppingToken);
        var consumer = new AsyncEventingBasicConsumer(channel);
        consumer.ReceivedAsync += (_, delivery) =>
        {
            var handling = HandleAsync(channel, delivery, stoppingToken);
            _inFlight = handling;
            return handling;
        };
        await channel.BasicConsumeAsync(MeshTopology.TrainingQueue, autoAck: false, consumer, stoppingToken);
        try
        {
            await Task.Delay(Timeout.Infinite, stoppingToken);
        }
        catch (OperationCanceledException)
        {
            // Shutting down: let the job in hand checkpoint and requeue before the channel closes.
            await _inFlight;
        }
    }

    private async Task HandleAsync(IChannel channel, BasicDeliverEventArgs delivery, CancellationToken stoppingToken)
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

        // A job published without an id gets one from its content, so a redelivery is still the same job.
        var id = spec.Id ?? delivery.BasicProperties.MessageId
            ?? "msg-" + Convert.ToHexStringLower(SHA256.HashData(delivery.Body.Span))[..16];
        spec = spec with { Id = id };
        if (!MeshNames.IsValid(id))
        {
            await DeadLetterAsync(channel, delivery, MeshNames.Describe("job id", id));
            return;
        }

        var record = await jobs.GetAsync(id, stoppingToken);
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

        if (record.CancelRequested)
        {
            await FinishAsync(record with { Status = JobStatus.Cancelled, FinishedAt = DateTimeOffset.UtcNow }, CancellationToken.None);
            await channel.BasicAckAsync(delivery.DeliveryTag, multiple: false, CancellationToken.None);
            return;
        }

        await RunAsync(channel, delivery, record, deliveryCount, stoppingToken);
    }

    private async Task RunAsync(IChannel channel, BasicDeliverEventArgs delivery, JobRecord record, int deliveryCount, CancellationToken stoppingToken)
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
        await PublishStatusAsync(record, CancellationToken.None);
        Log.JobStarted(logger, record.Id, record.Attempts, record.Spec.BaseModel ?? "(configured)");

        using var jobCancel = running.Start(record.Id);
        using var linked = CancellationTokenSource.CreateLinkedTokenSource(jobCancel.Token, stoppingToken);
        var tracker = new JobProgressTracker(record, jobs, publisher, checkpoints, options.Value.RecordRefreshInterval);
        string outcome;
        try
        {
            var manifest = await runner.RunAsync(tracker, linked.Token);
            await checkpoints.DeleteAsync(record.Id, CancellationToken.None);
            await FinishAsync(tracker.Current with
            {
                Status = JobStatus.Succeeded, FinishedAt = DateTimeOffset.UtcNow, Adapter = manifest.ToRef(),
            }, CancellationToken.None);
            await channel.BasicAckAsync(delivery.DeliveryTag, multiple: false, CancellationToken.None);
            Log.JobSucceeded(logger, record.Id, manifest.Name, manifest.Version, manifest.Metrics.FirstLoss, manifest.Metrics.FinalLoss,
                clock.Elapsed.TotalSeconds);
            outcome = "succeeded";
        }
        catch (OperationCanceledException) when (stoppingToken.IsCancellationRequested)
        {
            // Not the job's fault: back to the queue, where any worker resumes it from the stored checkpoint.
            await jobs.SaveAsync(tracker.Current with { Status = JobStatus.Queued, Worker = null }, CancellationToken.None);
            await PublishStatusAsync(tracker.Current with { Status = JobStatus.Queued }, CancellationToken.None);
            await channel.BasicNackAsync(delivery.DeliveryTag, multiple: false, requeue: true, CancellationToken.None);
            Log.JobRequeuedOnShutdown(logger, record.Id, tracker.LastStep);
            outcome = "requeued";
        }
        catch (OperationCanceledException) when (jobCancel.IsCancellationRequested)
        {
            await checkpoints.DeleteAsync(record.Id, CancellationToken.None);
            await FinishAsync(tracker.Current with { Status = JobStatus.Cancelled, FinishedAt = DateTimeOffset.UtcNow }, CancellationToken.None);
            await channel.BasicAckAsync(delivery.DeliveryTag, multiple: false, CancellationToken.None);
            Log.JobCancelled(logger, record.Id);
            outcome = "cancelled";
        }
        catch (Exception e) when (IsPermanent(e) || deliveryCount + 1 >= MeshTopology.DeliveryLimit)
        {
            // Bad data fails the same way every time: record why, and do not retry it.
            await checkpoints.DeleteAsync(record.Id, CancellationToken.None);
            await FinishAsync(tracker.Current with { Status = JobStatus.Failed, FinishedAt = DateTimeOffset.UtcNow, Error = e.Message },
                CancellationToken.None);
            if (IsPermanent(e))
            {
                await channel.BasicAckAsync(delivery.DeliveryTag, multiple: false, CancellationToken.None);
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
            await jobs.SaveAsync(tracker.Current with { Status = JobStatus.Queued, Worker = null, Error = e.Message }, CancellationToken.None);
            await channel.BasicNackAsync(delivery.DeliveryTag, multiple: false, requeue: true, CancellationToken.None);
            Log.JobRetried(logger, record.Id, deliveryCount + 1, e.Message);
            outcome = "retried";
        }
        finally
        {
            running.End(record.Id);
            tracker.Dispose();
        }

        activity?.SetTag("finetunemesh.job.outcome", outcome);
        TrainerTelemetry.Jobs.Add(1, new KeyValuePair<string, object?>("outcome", outcome));
        TrainerTelemetry.JobDuration.Record(clock.Elapsed.TotalSeconds, new KeyValuePair<string, object?>("outcome", outcome));
    }

    private async Task FinishAsync(JobRecord record, CancellationToken cancellationToken)
    {
        await jobs.SaveAsync(record, cancellationToken);
        await PublishStatusAsync(record, cancellationToken);
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
        await channel.BasicRejectAsync(delivery.DeliveryTag, requeue: false, CancellationToken.None);
    }

    /// <summary>Errors that a retry cannot fix: the data or the settings are wrong.</summary>
    private static bool IsPermanent(Exception e) => e is InvalidDataException or ArgumentException or FormatException or JsonException;

    private static int DeliveryCount(BasicDeliverEventArgs delivery) =>
        delivery.BasicProperties.Headers?.TryGetValue(MeshTopology.DeliveryCountHeader, out var value) == true
            ? Convert.ToInt32(value, System.Globalization.CultureInfo.InvariantCulture)
            : 0;
}
