using Microsoft.Extensions.Configuration;

namespace FineTuneMesh.ServiceDefaults;

/// <summary>
/// How long a request may legitimately take inside the mesh, and so how long a proxy in front must
/// wait before it calls a silent request dead. The inference service enforces the bounds
/// (<c>Inference:MaxQueueWaitSeconds</c>, <c>Inference:MaxGenerationSeconds</c>); the gateway reads
/// the same keys to derive its idle limit, so raising a bound never makes the gateway cut a request
/// the service would still finish.
/// </summary>
public static class ServiceBounds
{
    public const string MaxQueueWaitKey = "Inference:MaxQueueWaitSeconds";
    public const string MaxGenerationKey = "Inference:MaxGenerationSeconds";

    public const int DefaultMaxQueueWaitSeconds = 600;
    public const int DefaultMaxGenerationSeconds = 1800;
    public const int DefaultKeepAliveMs = 10_000;

    /// <summary>Slack above the bounds for the prefill, the proxy hop and a slow client.</summary>
    public static readonly TimeSpan Margin = TimeSpan.FromSeconds(60);

    /// <summary>
    /// The idle limit a proxy needs so that a whole (non-streamed) answer is never cut: the longest
    /// queue wait plus the longest generation plus <see cref="Margin"/>. Streams send keep-alives
    /// and tokens, so for them any idle limit above <see cref="DefaultKeepAliveMs"/> works.
    /// </summary>
    public static TimeSpan ProxyIdleTimeout(IConfiguration configuration) =>
        TimeSpan.FromSeconds(configuration.GetValue(MaxQueueWaitKey, DefaultMaxQueueWaitSeconds)
            + configuration.GetValue(MaxGenerationKey, DefaultMaxGenerationSeconds)) + Margin;
}
