using RabbitMQ.Client;
using RabbitMQ.Client.Events;

namespace FineTuneMesh.Messaging;

/// <summary>
/// Handles a work queue's messages one at a time (prefetch 1), each acknowledged by its handler.
/// </summary>
/// <param name="delivery">The message, and how to settle it.</param>
/// <param name="channelLost">Fires when the channel the message came on is gone: the broker has already given it back.</param>
/// <param name="stoppingToken">The host stopping.</param>
public delegate Task DeliveryHandler(QueueDelivery delivery, CancellationToken channelLost, CancellationToken stoppingToken);

/// <summary>
/// The consumer plumbing of a background worker: one channel at a time, prefetch 1, manual acks.
/// When the channel is lost (a broker restart, a channel the broker closed) the message in hand is
/// told so, and a fresh channel and consumer take over; when the host stops, no new message is
/// taken while the one in hand finishes (it settles itself, e.g. requeues after a checkpoint).
/// </summary>
public static class WorkQueueConsumer
{
    /// <param name="connection">The broker connection (Aspire's client).</param>
    /// <param name="queue">The queue to consume; the mesh's topology is declared first.</param>
    /// <param name="handle">Settles each message.</param>
    /// <param name="onChannelLost">Told why a channel was lost, before the next one opens.</param>
    /// <param name="stoppingToken">The host stopping.</param>
    public static Task RunAsync(IConnection connection, string queue, DeliveryHandler handle, Action<string> onChannelLost,
        CancellationToken stoppingToken) =>
        ChannelLoop.RunAsync(token => ConsumeUntilChannelLostAsync(connection, queue, handle, token), onChannelLost, stoppingToken);

    private static async Task ConsumeUntilChannelLostAsync(IConnection connection, string queue, DeliveryHandler handle,
        CancellationToken stoppingToken)
    {
        using var channelLost = new CancellationTokenSource();
        var inFlight = Task.CompletedTask;
        var channel = await connection.CreateChannelAsync(cancellationToken: stoppingToken);
        try
        {
            channel.ChannelShutdownAsync += (_, _) => channelLost.CancelAsync();
            await MeshTopology.DeclareAsync(channel, stoppingToken);
            await channel.BasicQosAsync(prefetchSize: 0, prefetchCount: 1, global: false, stoppingToken);
            var consumer = new AsyncEventingBasicConsumer(channel);
            consumer.ReceivedAsync += (_, delivery) =>
            {
                var handling = handle(new QueueDelivery(channel, delivery), channelLost.Token, stoppingToken);
                Volatile.Write(ref inFlight, handling);
                return handling;
            };
            var consumerTag = await channel.BasicConsumeAsync(queue, autoAck: false, consumer, stoppingToken);
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
                // No new delivery while the message in hand finishes.
                await channel.BasicCancelAsync(consumerTag, noWait: false, CancellationToken.None);
            }

            await Volatile.Read(ref inFlight);
        }
        finally
        {
            // Disposed rather than left to automatic recovery, so that exactly one consumer is ever open.
            await channel.DisposeAsync();
        }
    }
}
