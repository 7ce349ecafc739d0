namespace FineTuneMesh.AppHost;

/// <summary>
/// Passes the synthesis providers configured on the AppHost (<c>Synth:Providers:&lt;name&gt;:Kind</c>,
/// <c>BaseUrl</c>, <c>Model</c>, ..., from appsettings, user secrets or the environment) to the synth
/// service. Each <c>ApiKey</c> becomes a secret parameter (<c>synth-&lt;name&gt;-api-key</c>): masked
/// in the dashboard, passed as an environment variable, never in a log.
/// </summary>
public static class SynthProviders
{
    public const string SectionName = "Synth:Providers";

    public static IResourceBuilder<ProjectResource> WithSynthProviders(this IResourceBuilder<ProjectResource> synth,
        IDistributedApplicationBuilder builder)
    {
        foreach (var provider in builder.Configuration.GetSection(SectionName).GetChildren())
        {
            foreach (var setting in provider.GetChildren())
            {
                var variable = $"Synth__Providers__{provider.Key}__{setting.Key}";
                if (string.Equals(setting.Key, "ApiKey", StringComparison.OrdinalIgnoreCase))
                {
                    var key = builder.AddParameterFromConfiguration($"synth-{provider.Key.ToLowerInvariant()}-api-key", setting.Path, secret: true);
                    synth.WithEnvironment(variable, key);
                }
                else if (setting.Value is { } value)
                {
                    synth.WithEnvironment(variable, value);
                }
            }
        }

        if (builder.Configuration["Synth:DefaultProvider"] is { Length: > 0 } defaultProvider)
        {
            synth.WithEnvironment("Synth__DefaultProvider", defaultProvider);
        }

        return synth;
    }
}
