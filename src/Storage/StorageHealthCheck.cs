using Microsoft.Extensions.Diagnostics.HealthChecks;

namespace FineTuneMesh.Storage;

/// <summary>Healthy when the S3 server answers with our keys.</summary>
public sealed class StorageHealthCheck(ArtifactStore store) : IHealthCheck
{
    public async Task<HealthCheckResult> CheckHealthAsync(HealthCheckContext context, CancellationToken cancellationToken = default)
    {
        try
        {
            await store.PingAsync(cancellationToken);
            return HealthCheckResult.Healthy($"S3 at {store.Connection.Endpoint}");
        }
        catch (Exception e) when (e is not OperationCanceledException)
        {
            return HealthCheckResult.Unhealthy($"S3 at {store.Connection.Endpoint} does not answer: {e.Message}");
        }
    }
}
