using FineTuneMesh.Mesh.Jobs;
using FineTuneMesh.Messaging;
using FineTuneMesh.Storage;
using RabbitMQ.Client;

namespace FineTuneMesh.Trainer.Worker.Worker;

/// <summary>
/// The broker dead-letters a job message on its own when it reaches the delivery limit: each worker
/// that took it died (or lost its channel) mid-job, so none was left to say what happened, and the
/// record still says <c>running</c>. This listener takes each dead-lettered message from the
/// trainers' copy of the dead-letter exchange (<see cref="MeshTopology.DeadLetterRecordsQueue"/>;
/// the operators' queue keeps its own) and marks a job that is not yet final as failed, with the
/// reason. Jobs already final (a worker rejected an invalid one and recorded why) are left alone.
/// </summary>
public sealed class DeadLetterRecorder(IConnection connection, JobStore jobs, MeshPublisher publisher, ILogger<DeadLetterRecorder> logger)
    : BackgroundService
{
    private static readonly TimeSpan _retryDelay = TimeSpan.FromSeconds(2);

    protected override Task ExecuteAsync(CancellationToken stoppingToken) =>
        WorkQueueConsumer.RunAsync(connection, MeshTopology.DeadLetterRecordsQueue, HandleAsync, error => Log.DeadLetterRecordingFailed(logger, error),
            stoppingToken);

    private async Task HandleAsync(QueueDelivery delivery, CancellationToken channelLost, CancellationToken stoppingToken)
    {
        try
        {
            await RecordAsync(delivery, stoppingToken);
            await delivery.AckAsync();
        }
        catch (Exception e) when (!stoppingToken.IsCancellationRequested)
        {
            // Storage is down, most likely: keep the message and try again shortly.
            Log.DeadLetterRecordingFailed(logger, e.Message);
            await Task.Delay(_retryDelay, stoppingToken);
            await delivery.RequeueAsync();
        }
    }

    private async Task RecordAsync(QueueDelivery delivery, CancellationToken stoppingToken)
    {
        var spec = JobMessages.TryReadSpec(delivery);
        if (spec is null && delivery.MessageId is null)
        {
            // Not a job at all (a poison message): there is no record to update.
            return;
        }

        var id = JobMessages.IdOf(spec, delivery);
        JobRecord? record;
        try
        {
            record = await jobs.GetAsync(id, stoppingToken);
        }
        catch (ArgumentException)
        {
            // Not a valid job id: nothing was ever recorded under it.
            return;
        }

        if (record is null || record.IsFinal)
        {
            return;
        }

        var error = Reason(delivery.DeathReason);
        var failed = record with { Status = JobStatus.Failed, FinishedAt = DateTimeOffset.UtcNow, Worker = null, Error = error };
        await jobs.SaveAsync(failed, stoppingToken);
        await publisher.PublishEventAsync(new JobEvent
        {
            JobId = id,
            Kind = JobEvent.StatusKind(JobStatus.Failed),
            Status = JobStatus.Failed,
            Progress = failed.Progress,
            Error = error,
        }, stoppingToken);
        Log.DeadLetteredJobFailed(logger, id, record.Status.ToString(), error);
    }

    private static string Reason(string? deathReason) => deathReason switch
    {
        "delivery_limit" => $"dead-lettered: the job's message was delivered {MeshTopology.DeliveryLimit} times (the delivery limit) "
            + "and every worker that took it stopped before finishing it; it crashes or kills the worker. Check the worker logs of its attempts.",
        null => "dead-lettered by the broker.",
        _ => $"dead-lettered by the broker ({deathReason}).",
    };
}
