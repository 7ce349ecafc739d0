namespace FineTuneMesh.ServiceDefaults;

/// <summary>The probe paths every service maps and every gateway leaves open.</summary>
public static class HealthEndpoints
{
    /// <summary>Every health check: ready to serve.</summary>
    public const string HealthPath = "/health";

    /// <summary>Only checks tagged <see cref="LiveTag"/>: the process is alive.</summary>
    public const string AlivePath = "/alive";

    public const string LiveTag = "live";

    public static bool IsProbe(string? path)
    {
        var trimmed = path?.TrimEnd('/');
        return string.Equals(trimmed, HealthPath, StringComparison.OrdinalIgnoreCase)
            || string.Equals(trimmed, AlivePath, StringComparison.OrdinalIgnoreCase);
    }
}
