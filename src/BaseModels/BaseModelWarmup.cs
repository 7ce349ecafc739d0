using Microsoft.Extensions.Hosting;

namespace FineTuneMesh.BaseModels;

/// <summary>Resolves (and, online, pulls) the configured base model in the background as the service starts.</summary>
public sealed class BaseModelWarmup(BaseModelResolver baseModels) : BackgroundService
{
    protected override Task ExecuteAsync(CancellationToken stoppingToken) => baseModels.ConfiguredAsync();
}
