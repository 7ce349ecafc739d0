using System.Security.Cryptography;
using System.Text;
using FineTuneMesh.Mesh;
using FineTuneMesh.Mesh.Jobs;
using RabbitMQ.Client.Events;

namespace FineTuneMesh.Trainer.Worker.Worker;

/// <summary>What a job message on the queue says about itself, read the same way wherever it is consumed.</summary>
public static class JobMessages
{
    /// <summary>
    /// The job's id: the spec's, else the message id, else one made from the content, so that a
    /// job published without an id is still the same job on every redelivery and in the dead-letter queue.
    /// </summary>
    public static string IdOf(TrainingJobSpec? spec, BasicDeliverEventArgs delivery) =>
        spec?.Id ?? delivery.BasicProperties.MessageId
        ?? "msg-" + Convert.ToHexStringLower(SHA256.HashData(delivery.Body.Span))[..16];

    /// <summary>The spec, or null when the body is not a training job.</summary>
    public static TrainingJobSpec? TryReadSpec(BasicDeliverEventArgs delivery)
    {
        try
        {
            return MeshJson.Deserialize<TrainingJobSpec>(delivery.Body.Span);
        }
        catch (System.Text.Json.JsonException)
        {
            return null;
        }
    }

    /// <summary>Why the broker dead-lettered the message (<c>delivery_limit</c>, <c>rejected</c>, ...), from its <c>x-death</c> header.</summary>
    public static string? DeathReason(BasicDeliverEventArgs delivery) =>
        delivery.BasicProperties.Headers?.TryGetValue("x-death", out var deaths) == true
        && deaths is IList<object> { Count: > 0 } list && list[0] is IDictionary<string, object> death
        && death.TryGetValue("reason", out var reason)
            ? reason is byte[] bytes ? Encoding.UTF8.GetString(bytes) : reason?.ToString()
            : null;
}
