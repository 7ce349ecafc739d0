using Microsoft.AspNetCore.Hosting;

namespace FineTuneMesh.Gateway.Tests;

internal static class HostBuilderSettings
{
    public static IWebHostBuilder UseSettings(this IWebHostBuilder host, IReadOnlyDictionary<string, string> settings)
    {
        foreach (var (key, value) in settings)
        {
            host.UseSetting(key, value);
        }

        return host;
    }
}
