using FineTuneMesh.ServiceDefaults;
using Microsoft.AspNetCore.Http.HttpResults;

namespace FineTuneMesh.Gateway.Apis;

public static class GatewayApi
{
    public const string ServiceName = "gateway";

    public static RouteGroupBuilder MapGatewayApi(this IEndpointRouteBuilder app)
    {
        var api = app.MapGroup("/api/gateway").WithTags("Gateway");

        api.MapGet("/info", GetInfo).WithName("GetGatewayInfo");

        return api;
    }

    /// <summary>The gateway's own name, build version and configured base model (it never loads it).</summary>
    public static Ok<ServiceInfo> GetInfo(IConfiguration configuration, IHostEnvironment environment) =>
        TypedResults.Ok(ServiceInfo.Describe(ServiceName, typeof(GatewayApi).Assembly, configuration, environment));
}
