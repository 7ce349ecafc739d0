using FineTuneMesh.Mesh.Jobs;
using FineTuneMesh.Messaging;
using RabbitMQ.Client;

namespace FineTuneMesh.Trainer.Worker.Worker;

/// <summary>
/// Listens for <c>training.*.cancel</c> events on a queue of its own (one per worker, gone with
/// it), and stops the job if this worker is the one running it.
/// </summary>
public sealed class CancelListener(IConnection connection, RunningJobs running) : BackgroundService
{
    protected override Task ExecuteAsync(CancellationToken stoppingToken) =>
        JobEventSubscription.ListenAsync(connection, "*", JobEvent.CancelKind, cancel =>
        {
            running.Cancel(cancel.JobId);
            return Task.CompletedTask;
        }, stoppingToken);
}
