using FineTuneMesh.ServiceDefaults;
using Microsoft.Extensions.Configuration;

namespace FineTuneMesh.AppHost;

public static class Extensions
{
    /// <summary>
    /// Adds the nearest .env above the AppHost to its configuration, below the environment
    /// variables, so that <see cref="WithModelSettings"/> sees the same values the CLI does.
    /// </summary>
    public static IDistributedApplicationBuilder AddRootDotEnv(this IDistributedApplicationBuilder builder)
    {
        builder.Configuration.AddDotEnvFile(DotEnvFile.FindNearest(builder.AppHostDirectory));
        return builder;
    }

    /// <summary>A FineTuneMesh service: the shared model settings, and healthy only once /health says so.</summary>
    public static IResourceBuilder<ProjectResource> AddFineTuneService<TProject>(
        this IDistributedApplicationBuilder builder, string name)
        where TProject : IProjectMetadata, new() =>
        builder.AddProject<TProject>(name)
            .WithModelSettings(builder.Configuration)
            .WithHttpHealthCheck(HealthEndpoints.HealthPath);

    /// <summary>Passes every FINETUNE_* setting the AppHost knows (FINETUNE_BASE_MODEL first of all) to the service.</summary>
    public static IResourceBuilder<TResource> WithModelSettings<TResource>(
        this IResourceBuilder<TResource> resource, IConfiguration configuration)
        where TResource : IResourceWithEnvironment
    {
        foreach (var key in FineTuneSettings.All)
        {
            var value = configuration[key];
            if (!string.IsNullOrEmpty(value))
            {
                resource.WithEnvironment(key, value);
            }
        }

        return resource;
    }

    /// <summary>
    /// Passes the inference bounds the AppHost is given (<c>Inference:MaxQueueWaitSeconds</c>,
    /// <c>Inference:MaxGenerationSeconds</c>) to a service: to the inference service, which enforces
    /// them, and to the gateway, whose idle limit follows from them.
    /// </summary>
    public static IResourceBuilder<TResource> WithServiceBounds<TResource>(
        this IResourceBuilder<TResource> resource, IConfiguration configuration)
        where TResource : IResourceWithEnvironment
    {
        foreach (var key in new[] { ServiceBounds.MaxQueueWaitKey, ServiceBounds.MaxGenerationKey })
        {
            if (configuration[key] is { Length: > 0 } value)
            {
                resource.WithEnvironment(key.Replace(":", "__", StringComparison.Ordinal), value);
            }
        }

        return resource;
    }
}
