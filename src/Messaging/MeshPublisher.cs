using FineTuneMesh.Mesh;
using FineTuneMesh.Mesh.Jobs;
using RabbitMQ.Client;

namespace FineTuneMesh.Messaging;

/// <summary>
/// Publishes on one channel with publisher confirms: a job is only reported as queued once the
/// broker has it on disk. Job messages are persistent; events are transient (the job record in
/// storage is the durable state, events only make it live).
/// </summary>
public sealed class MeshPublisher(IConnection connection) : IAsyncDisposable
{
    private readonly SemaphoreSlim _gate = new(1, 1);
    private IChannel? _channel;

    public async Task PublishJobAsync(TrainingJobSpec job, CancellationToken cancellationToken = default)
    {
        var properties = new BasicProperties
        {
            Persistent = true,
            MessageId = job.Id,
            ContentType = "application/json",
            Type = "finetunemesh.training.job.v1",
        };
        await PublishAsync(MeshTopology.TrainingExchange, MeshTopology.TrainingRoutingKey, properties, MeshJson.Serialize(job), cancellationToken);
    }

    public async Task PublishEventAsync(JobEvent jobEvent, CancellationToken cancellationToken = default)
    {
        var properties = new BasicProperties { ContentType = "application/json", Type = "finetunemesh.training.event.v1" };
        await PublishAsync(MeshTopology.EventsExchange, MeshTopology.EventRoutingKey(jobEvent.JobId, jobEvent.Kind), properties,
            MeshJson.Serialize(jobEvent), cancellationToken);
    }

    public async ValueTask DisposeAsync()
    {
        if (_channel is not null)
        {
            await _channel.DisposeAsync();
        }

        _gate.Dispose();
    }

    private async Task PublishAsync(string exchange, string routingKey, BasicProperties properties, byte[] body, CancellationToken cancellationToken)
    {
        await _gate.WaitAsync(cancellationToken);
        try
        {
            if (_channel is not { IsOpen: true })
            {
                // A closed channel would come back by itself after a connection recovery: dispose it, keep one.
                if (_channel is not null)
                {
                    await _channel.DisposeAsync();
                    _channel = null;
                }

                _channel = await connection.CreateChannelAsync(
                    new CreateChannelOptions(publisherConfirmationsEnabled: true, publisherConfirmationTrackingEnabled: true), cancellationToken);
                await MeshTopology.DeclareAsync(_channel, cancellationToken);
            }

            await _channel.BasicPublishAsync(exchange, routingKey, mandatory: false, properties, body, cancellationToken);
        }
        finally
        {
            _gate.Release();
        }
    }
}
