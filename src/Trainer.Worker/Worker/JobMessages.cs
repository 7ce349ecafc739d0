using System.Security.Cryptography;
using FineTuneMesh.Mesh;
using FineTuneMesh.Mesh.Jobs;
using FineTuneMesh.Messaging;

namespace FineTuneMesh.Trainer.Worker.Worker;

/// <summary>What a job message on the queue says about itself, read the same way wherever it is consumed.</summary>
public static class JobMessages
{
    /// <summary>
    /// The job's id: the spec's, else the message id, else one made from the content, so that a
    /// job published without an id is still the same job on every redelivery and in the dead-letter queue.
    /// </summary>
    public static string IdOf(TrainingJobSpec? spec, QueueDelivery delivery) =>
        spec?.Id ?? delivery.MessageId
        ?? "msg-" + Convert.ToHexStringLower(SHA256.HashData(delivery.Body.Span))[..16];

    /// <summary>The spec, or null when the body is not a training job.</summary>
    public static TrainingJobSpec? TryReadSpec(QueueDelivery delivery)
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
}
