using FineTuneMesh.ServiceDefaults;
using Microsoft.AspNetCore.Http.HttpResults;

namespace FineTuneMesh.Trainer.Worker.Apis;

public static class TrainerApi
{
    public const string ServiceName = "trainer";

    public static RouteGroupBuilder MapTrainerApi(this IEndpointRouteBuilder app)
    {
        var api = app.MapGroup("/api/train").WithTags("Trainer");

        api.MapGet("/info", GetInfo).WithName("GetTrainerInfo");

        return api;
    }

    /// <summary>The service's name, build version and configured base model; nothing more is served yet.</summary>
    public static Ok<ServiceInfo> GetInfo(IConfiguration configuration, IHostEnvironment environment) =>
        TypedResults.Ok(ServiceInfo.Describe(ServiceName, typeof(TrainerApi).Assembly, configuration, environment));
}
