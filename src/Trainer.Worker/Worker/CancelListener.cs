using FineTuneMesh.Mesh;
using FineTuneMesh.Mesh.Jobs;
using FineTuneMesh.Mesh.Messaging;
using RabbitMQ.Client;
using RabbitMQ.Client.Events;

namespace FineTuneMesh.Trainer.Worker.Worker;

/// <summary>
/// Listens for <c>training.*.cancel</c> events on a queue of its own (one per worker, gone with
/// it), and stops the job if this worker is the one running it.
/// </summary>
public sealed class CancelListener(IConnection connection, RunningJobs running) : BackgroundService
{
    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        await using var channel = await connection.CreateChannelAsync(cancellationToken: stoppingToken);
        await MeshTopology.DeclareAsync(channel, stoppingToken);
        var queue = await channel.QueueDeclareAsync("", durable: false, exclusive: true, autoDelete: true, cancellationToken: stoppingToken);
        await channel.QueueBindAsync(queue.QueueName, MeshTopology.EventsExchange, MeshTopology.EventRoutingKey("*", JobEvent.CancelKind),
            cancellationToken: stoppingToken);
        var consumer = new AsyncEventingBasicConsumer(channel);
        consumer.ReceivedAsync += (_, delivery) =>
        {
            if (MeshJson.Deserialize<JobEvent>(delivery.Body.Span) is { } cancel)
            {
                running.Cancel(cancel.JobId);
            }

            return Task.CompletedTask;
        };
        await channel.BasicConsumeAsync(queue.QueueName, autoAck: true, consumer, stoppingToken);
        try
        {
            await Task.Delay(Timeout.Infinite, stoppingToken);
        }
        catch (OperationCanceledException)
        {
            // Shutting down.
        }
    }
}
