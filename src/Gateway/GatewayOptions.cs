using FineTuneMesh.ServiceDefaults;

namespace FineTuneMesh.Gateway;

public sealed class GatewayOptions
{
    public const string SectionName = "Gateway";

    /// <summary>
    /// When set, every request except /health and /alive must carry it as
    /// <c>Authorization: Bearer &lt;key&gt;</c> or <c>X-Api-Key: &lt;key&gt;</c>. Unset: the gateway is open.
    /// </summary>
    public string? ApiKey { get; set; }

    /// <summary>The largest request body the gateway passes on (the trainer's own limit is the same by default).</summary>
    public long MaxRequestBytes { get; set; } = 16 << 20;

    /// <summary>
    /// How long a proxied request may stay silent (no bytes either way) before the gateway ends it.
    /// Unset: derived from the inference service's bounds (<see cref="ServiceBounds.ProxyIdleTimeout"/>),
    /// so a request the service would still answer is never cut. Streams send keep-alives while
    /// they wait, so they outlive any limit above the keep-alive interval.
    /// </summary>
    public int? ProxyIdleTimeoutSeconds { get; set; }

    public TimeSpan ProxyIdleTimeout(IConfiguration configuration) => ProxyIdleTimeoutSeconds is { } seconds
        ? TimeSpan.FromSeconds(seconds)
        : ServiceBounds.ProxyIdleTimeout(configuration);
}
