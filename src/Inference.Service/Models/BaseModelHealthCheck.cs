using Microsoft.Extensions.Diagnostics.HealthChecks;

namespace FineTuneMesh.Inference.Service.Models;

/// <summary>Ready once the base model is loaded; degraded while a tiny fallback stands in for it.</summary>
public sealed class BaseModelHealthCheck(ModelHost host) : IHealthCheck
{
    public Task<HealthCheckResult> CheckHealthAsync(HealthCheckContext context, CancellationToken cancellationToken = default) =>
        Task.FromResult(host.Info switch
        {
            null => HealthCheckResult.Unhealthy("the base model is still loading."),
            { Fallback: true } info => HealthCheckResult.Degraded($"serving a tiny random fallback model: {info.FallbackReason}."),
            var info => HealthCheckResult.Healthy($"{info.Folder} ({info.DType})"),
        });
}
