using System.Reflection;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.Hosting;

namespace FineTuneMesh.ServiceDefaults;

/// <summary>
/// What a service reports about itself on its info endpoint: facts from its build and configuration.
/// A base model configured as a server folder is reported by the folder's name only.
/// </summary>
public sealed record ServiceInfo(string Service, string Version, string? BaseModel, string Environment)
{
    public static ServiceInfo Describe(string service, Assembly assembly, IConfiguration configuration, IHostEnvironment environment)
    {
        var version = assembly.GetCustomAttribute<AssemblyInformationalVersionAttribute>()?.InformationalVersion
            ?? assembly.GetName().Version?.ToString()
            ?? "unknown";
        return new ServiceInfo(service, version, configuration.GetBaseModel() is { } model ? ServerPaths.Redact(model) : null, environment.EnvironmentName);
    }
}
