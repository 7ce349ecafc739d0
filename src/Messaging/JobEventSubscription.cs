using FineTuneMesh.Mesh;
using FineTuneMesh.Mesh.Jobs;
using RabbitMQ.Client;
using RabbitMQ.Client.Events;

namespace FineTuneMesh.Messaging;

/// <summary>
/// Job events matching one routing pattern (<c>training.{jobId|*}.{kind|*}</c>), on a queue of the
/// subscriber's own that the broker deletes with it: how workers hear cancels, inference replicas
/// hear new adapters, and progress streams follow a job. Dispose to unsubscribe.
/// </summary>
public sealed class JobEventSubscription : IAsyncDisposable
{
    private readonly IChannel _channel;

    private JobEventSubscription(IChannel channel) => _channel = channel;

    public static async Task<JobEventSubscription> OpenAsync(IConnection connection, string jobId, string kind,
        Func<JobEvent, Task> onEvent, CancellationToken cancellationToken)
    {
        var channel = await connection.CreateChannelAsync(cancellationToken: cancellationToken);
        try
        {
            await MeshTopology.DeclareAsync(channel, cancellationToken);
            var queue = await channel.QueueDeclareAsync("", durable: false, exclusive: true, autoDelete: true, cancellationToken: cancellationToken);
            await channel.QueueBindAsync(queue.QueueName, MeshTopology.EventsExchange, MeshTopology.EventRoutingKey(jobId, kind),
                cancellationToken: cancellationToken);
            var consumer = new AsyncEventingBasicConsumer(channel);
            consumer.ReceivedAsync += (_, delivery) =>
                MeshJson.Deserialize<JobEvent>(delivery.Body.Span) is { } jobEvent ? onEvent(jobEvent) : Task.CompletedTask;
            await channel.BasicConsumeAsync(queue.QueueName, autoAck: true, consumer, cancellationToken);
            return new JobEventSubscription(channel);
        }
        catch
        {
            await channel.DisposeAsync();
            throw;
        }
    }

    /// <summary>Listens until <paramref name="stoppingToken"/> fires: the whole body of a background listener.</summary>
    public static async Task ListenAsync(IConnection connection, string jobId, string kind, Func<JobEvent, Task> onEvent,
        CancellationToken stoppingToken)
    {
        await using var subscription = await OpenAsync(connection, jobId, kind, onEvent, stoppingToken);
        try
        {
            await Task.Delay(Timeout.Infinite, stoppingToken);
        }
        catch (OperationCanceledException)
        {
            // Shutting down.
        }
    }

    public ValueTask DisposeAsync() => _channel.DisposeAsync();
}
