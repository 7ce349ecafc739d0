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
}
