using RabbitMQ.Client;

namespace FineTuneMesh.Messaging;

/// <summary>
/// The RabbitMQ names other apps rely on (the README documents them). Training jobs go to a
/// durable quorum queue with a delivery limit, so a message that keeps killing workers ends in the
/// dead-letter queue instead of looping (and a copy in a second queue, from which the trainers mark
/// the job's record failed); job events go to a topic exchange with routing keys
/// <c>training.{jobId}.{kind}</c>. Every service declares the same topology, idempotently.
/// </summary>
public static class MeshTopology
{
    public const string TrainingExchange = "finetunemesh.training";
    public const string TrainingRoutingKey = "training.job";
    public const string TrainingQueue = "finetunemesh.training.jobs";
    public const string DeadLetterExchange = "finetunemesh.training.dead";
    public const string DeadLetterQueue = "finetunemesh.training.jobs.dead";

    /// <summary>Every dead-lettered job message again (the exchange is a fanout), consumed by the trainers to record the failure.</summary>
    public const string DeadLetterRecordsQueue = "finetunemesh.training.jobs.dead.records";
    public const string EventsExchange = "finetunemesh.events";

    /// <summary>Deliveries of one job message (crashes and requeues included) before it is dead-lettered.</summary>
    public const int DeliveryLimit = 5;

    /// <summary>The header quorum queues set on a redelivered message: how many times it was returned.</summary>
    public const string DeliveryCountHeader = "x-delivery-count";

    public static string EventRoutingKey(string jobId, string kind) => $"training.{jobId}.{kind}";

    public static async Task DeclareAsync(IChannel channel, CancellationToken cancellationToken = default)
    {
        await channel.ExchangeDeclareAsync(DeadLetterExchange, ExchangeType.Fanout, durable: true, cancellationToken: cancellationToken);
        await channel.QueueDeclareAsync(DeadLetterQueue, durable: true, exclusive: false, autoDelete: false,
            arguments: new Dictionary<string, object?> { ["x-queue-type"] = "quorum" }, cancellationToken: cancellationToken);
        await channel.QueueBindAsync(DeadLetterQueue, DeadLetterExchange, "", cancellationToken: cancellationToken);
        await channel.QueueDeclareAsync(DeadLetterRecordsQueue, durable: true, exclusive: false, autoDelete: false,
            arguments: new Dictionary<string, object?> { ["x-queue-type"] = "quorum" }, cancellationToken: cancellationToken);
        await channel.QueueBindAsync(DeadLetterRecordsQueue, DeadLetterExchange, "", cancellationToken: cancellationToken);

        await channel.ExchangeDeclareAsync(TrainingExchange, ExchangeType.Direct, durable: true, cancellationToken: cancellationToken);
        await channel.QueueDeclareAsync(TrainingQueue, durable: true, exclusive: false, autoDelete: false,
            arguments: new Dictionary<string, object?>
            {
                ["x-queue-type"] = "quorum",
                ["x-delivery-limit"] = DeliveryLimit,
                ["x-dead-letter-exchange"] = DeadLetterExchange,
            },
            cancellationToken: cancellationToken);
        await channel.QueueBindAsync(TrainingQueue, TrainingExchange, TrainingRoutingKey, cancellationToken: cancellationToken);

        await channel.ExchangeDeclareAsync(EventsExchange, ExchangeType.Topic, durable: true, cancellationToken: cancellationToken);
    }
}
