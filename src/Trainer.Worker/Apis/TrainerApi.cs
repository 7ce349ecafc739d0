using FineTuneMesh.BaseModels;
using FineTuneMesh.Core.Modeling;
using FineTuneMesh.Mesh.Jobs;
using FineTuneMesh.ServiceDefaults;

namespace FineTuneMesh.Trainer.Worker.Apis;

public static class TrainerApi
{
    public const string ServiceName = "trainer";

    public static RouteGroupBuilder MapTrainerApi(this IEndpointRouteBuilder app)
    {
        var api = app.MapGroup("/api/train").WithTags("Trainer");

        api.MapGet("/info", GetInfoAsync).WithName("GetTrainerInfo");
        api.MapTrainingJobsApi();
        api.MapDatasetsApi();
        api.MapAdaptersApi();
        api.MapSweepsApi();

        return api;
    }

    /// <summary>The service's name and version, and the base model jobs train on by default (with the fallback, if it stands in).</summary>
    public static async Task<IResult> GetInfoAsync(IConfiguration configuration, IHostEnvironment environment, BaseModelResolver baseModels)
    {
        var baseModel = await baseModels.ConfiguredAsync();
        return Results.Ok(new
        {
            service = ServiceInfo.Describe(ServiceName, typeof(TrainerApi).Assembly, configuration, environment),
            baseModel = new { requested = baseModels.ConfiguredName, baseModel.Name, baseModel.IsFallback,
                FallbackReason = baseModel.FallbackReason is { } reason ? ServerPaths.Redact(reason) : null },
            compute = ComputeChoice.From(baseModels.ComputeFor(baseModel, ComputeWork.Training)),
        });
    }
}
