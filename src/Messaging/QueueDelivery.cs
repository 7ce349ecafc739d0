using System.Globalization;
using System.Text;
using RabbitMQ.Client;
using RabbitMQ.Client.Events;

namespace FineTuneMesh.Messaging;

/// <summary>
/// One message taken from a work queue, with the three ways to settle it. Settling never takes the
/// host's stopping token: a worker that stops must still tell the broker what became of the message.
/// </summary>
public sealed class QueueDelivery(IChannel channel, BasicDeliverEventArgs delivery)
{
    public ReadOnlyMemory<byte> Body => delivery.Body;

    /// <summary>The broker gave this message out before (a worker died, lost its channel, or returned it).</summary>
    public bool Redelivered => delivery.Redelivered;

    public string? MessageId => delivery.BasicProperties.MessageId;

    /// <summary>How many times a quorum queue has had the message back; 0 on its first delivery.</summary>
    public int DeliveryCount =>
        delivery.BasicProperties.Headers?.TryGetValue(MeshTopology.DeliveryCountHeader, out var value) == true
            ? Convert.ToInt32(value, CultureInfo.InvariantCulture)
            : 0;

    /// <summary>Why the broker dead-lettered the message (<c>delivery_limit</c>, <c>rejected</c>, ...), from its <c>x-death</c> header.</summary>
    public string? DeathReason =>
        delivery.BasicProperties.Headers?.TryGetValue("x-death", out var deaths) == true
        && deaths is IList<object> { Count: > 0 } list && list[0] is IDictionary<string, object> death
        && death.TryGetValue("reason", out var reason)
            ? reason is byte[] bytes ? Encoding.UTF8.GetString(bytes) : reason?.ToString()
            : null;

    /// <summary>Done with it: the broker forgets the message.</summary>
    public Task AckAsync() => channel.BasicAckAsync(delivery.DeliveryTag, multiple: false, CancellationToken.None).AsTask();

    /// <summary>Back to the queue for any consumer (the delivery limit counts it).</summary>
    public Task RequeueAsync() => channel.BasicNackAsync(delivery.DeliveryTag, multiple: false, requeue: true, CancellationToken.None).AsTask();

    /// <summary>To the queue's dead-letter exchange, never to be delivered here again.</summary>
    public Task DeadLetterAsync() => channel.BasicRejectAsync(delivery.DeliveryTag, requeue: false, CancellationToken.None).AsTask();
}
