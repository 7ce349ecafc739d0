using FineTuneMesh.ServiceDefaults;
using Microsoft.AspNetCore.Http.HttpResults;

namespace FineTuneMesh.Inference.Service.Apis;

public static class InferenceApi
{
    public const string ServiceName = "inference";

    public static RouteGroupBuilder MapInferenceApi(this IEndpointRouteBuilder app)
    {
        var api = app.MapGroup("/api/inference").WithTags("Inference");

        api.MapGet("/info", GetInfo).WithName("GetInferenceInfo");

        return api;
    }

    /// <summary>The service's name, build version and configured base model; nothing more is served yet.</summary>
    public static Ok<ServiceInfo> GetInfo(IConfiguration configuration, IHostEnvironment environment) =>
        TypedResults.Ok(ServiceInfo.Describe(ServiceName, typeof(InferenceApi).Assembly, configuration, environment));
}
