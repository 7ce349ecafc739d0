using FineTuneMesh.BaseModels;
using Microsoft.Extensions.Diagnostics.HealthChecks;

namespace FineTuneMesh.Trainer.Worker.Jobs;

/// <summary>Degraded, with the reason, while the built-in tiny model stands in for the configured base model.</summary>
public sealed class BaseModelHealthCheck(BaseModelResolver baseModels) : IHealthCheck
{
    public async Task<HealthCheckResult> CheckHealthAsync(HealthCheckContext context, CancellationToken cancellationToken = default)
    {
        var configured = baseModels.ConfiguredAsync();
        if (!configured.IsCompleted)
        {
            return HealthCheckResult.Degraded($"resolving the base model {baseModels.ConfiguredName}");
        }

        var baseModel = await configured;
        return baseModel.IsFallback
            ? HealthCheckResult.Degraded($"FALLBACK: {baseModel.FallbackReason}")
            : HealthCheckResult.Healthy($"base model {baseModel.Name} at {baseModel.Folder}");
    }
}
