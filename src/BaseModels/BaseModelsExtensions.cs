using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;

namespace FineTuneMesh.BaseModels;

/// <summary>How a service that loads models finds its base model.</summary>
public static class BaseModelsExtensions
{
    public static IHostApplicationBuilder AddBaseModels(this IHostApplicationBuilder builder)
    {
        builder.Services.AddSingleton<BaseModelResolver>();
        builder.Services.AddHostedService<BaseModelWarmup>();
        return builder;
    }
}
