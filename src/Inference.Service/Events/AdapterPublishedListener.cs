using FineTuneMesh.Mesh;
using FineTuneMesh.Mesh.Jobs;
using FineTuneMesh.Mesh.Messaging;
using FineTuneMesh.Inference.Service.Models;
using RabbitMQ.Client;
using RabbitMQ.Client.Events;

namespace FineTuneMesh.Inference.Service.Events;

/// <summary>
/// Hears every finished training job (<c>training.*.succeeded</c>, on a queue of this replica's
/// own) and loads the adapter it published, replacing an older loaded version: a freshly trained
/// adapter is served without a restart, and its first request does not wait for the download.
/// </summary>
public sealed class AdapterPublishedListener(IConnection connection, AdapterRegistry adapters, ModelHost host,
    ILogger<AdapterPublishedListener> logger) : BackgroundService
{
    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        await using var channel = await connection.CreateChannelAsync(cancellationToken: stoppingToken);
        await MeshTopology.DeclareAsync(channel, stoppingToken);
        var queue = await channel.QueueDeclareAsync("", durable: false, exclusive: true, autoDelete: true, cancellationToken: stoppingToken);
        await channel.QueueBindAsync(queue.QueueName, MeshTopology.EventsExchange,
            MeshTopology.EventRoutingKey("*", JobEvent.StatusKind(JobStatus.Succeeded)), cancellationToken: stoppingToken);
        var consumer = new AsyncEventingBasicConsumer(channel);
        consumer.ReceivedAsync += async (_, delivery) =>
        {
            if (MeshJson.Deserialize<JobEvent>(delivery.Body.Span) is not { Adapter: { } adapter } published || !host.IsLoaded)
            {
                return;
            }

            Log.AdapterPublished(logger, published.JobId, adapter.Name, adapter.Version);
            try
            {
                await adapters.RefreshAsync(adapter.Name, adapter.Version, stoppingToken);
            }
            catch (Exception e) when (e is not OperationCanceledException)
            {
                // An adapter for another base model, say: it stays listed with its problem, nothing else breaks.
                Log.AdapterAutoLoadFailed(logger, adapter.Name, e.Message);
            }
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
