namespace FineTuneMesh.Gateway;

public sealed class GatewayOptions
{
    public const string SectionName = "Gateway";

    /// <summary>
    /// When set, every request except /health and /alive must carry it as
    /// <c>Authorization: Bearer &lt;key&gt;</c> or <c>X-Api-Key: &lt;key&gt;</c>. Unset: the gateway is open.
    /// </summary>
    public string? ApiKey { get; set; }
}
