namespace FineTuneMesh.ServiceDefaults;

/// <summary>
/// The ActivitySource and Meter name of every component: one name per component, used for both.
/// <see cref="Extensions.AddServiceDefaults{TBuilder}"/> subscribes to all of them.
/// </summary>
public static class TelemetryNames
{
    public const string Trainer = "FineTuneMesh.Trainer";
    public const string Inference = "FineTuneMesh.Inference";
    public const string Synth = "FineTuneMesh.Synth";
    public const string Gateway = "FineTuneMesh.Gateway";
    public const string Engine = "FineTuneMesh.Engine";
    public const string Storage = "FineTuneMesh.Storage";

    /// <summary>RabbitMQ.Client 7's own sources: publish and deliver spans, context carried in message headers.</summary>
    public const string RabbitMqPublisher = "RabbitMQ.Client.Publisher";
    public const string RabbitMqSubscriber = "RabbitMQ.Client.Subscriber";

    public static IReadOnlyList<string> All { get; } = [Trainer, Inference, Synth, Gateway, Engine, Storage, RabbitMqPublisher, RabbitMqSubscriber];
}
