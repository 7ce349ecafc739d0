using FineTuneMesh.ServiceDefaults;
using Microsoft.AspNetCore.Http.HttpResults;

namespace FineTuneMesh.Synth.Service.Apis;

public static class SynthApi
{
    public const string ServiceName = "synth";

    public static RouteGroupBuilder MapSynthApi(this IEndpointRouteBuilder app)
    {
        var api = app.MapGroup("/api/synth").WithTags("Synth");

        api.MapGet("/info", GetInfo).WithName("GetSynthInfo");

        return api;
    }

    /// <summary>The service's name, build version and configured base model; nothing more is served yet.</summary>
    public static Ok<ServiceInfo> GetInfo(IConfiguration configuration, IHostEnvironment environment) =>
        TypedResults.Ok(ServiceInfo.Describe(ServiceName, typeof(SynthApi).Assembly, configuration, environment));
}
