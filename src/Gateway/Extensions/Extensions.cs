using FineTuneMesh.Gateway.Middleware;
using FineTuneMesh.Gateway.Proxy;

namespace FineTuneMesh.Gateway.Extensions;

public static class Extensions
{
    /// <summary>All of the gateway's DI in one place.</summary>
    public static IHostApplicationBuilder AddApplicationServices(this IHostApplicationBuilder builder)
    {
        builder.Services.AddOptions<GatewayOptions>()
            .BindConfiguration(GatewayOptions.SectionName)
            .ValidateOnStart();

        var options = builder.Configuration.GetSection(GatewayOptions.SectionName).Get<GatewayOptions>() ?? new GatewayOptions();
        builder.Services.AddReverseProxy()
            .LoadFromMemory(ProxyRoutes.Routes, ProxyRoutes.Clusters(options.ProxyIdleTimeout(builder.Configuration)))
            .AddServiceDiscoveryDestinationResolver();

        return builder;
    }

    public static IApplicationBuilder UseApiKeyCheck(this IApplicationBuilder app) =>
        app.UseMiddleware<ApiKeyMiddleware>();

    public static IApplicationBuilder UseRequestSizeLimit(this IApplicationBuilder app) =>
        app.UseMiddleware<RequestSizeMiddleware>();
}
