using FineTuneMesh.Core.Generation;
using FineTuneMesh.Inference.Service.Generation;
using FineTuneMesh.Inference.Service.Models;
using FineTuneMesh.Inference.Service.Telemetry;
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
        api.MapPost("/prompt", PromptPreview.RenderAsync).WithName("PreviewPrompt");

        return api;
    }

    /// <summary>The service's name, build version, configured base model and the model actually loaded.</summary>
    public static Ok<InferenceInfo> GetInfo(IConfiguration configuration, IHostEnvironment environment, ModelHost host, DecodeBatcher batcher,
        InferenceTelemetry telemetry, KvBudget kvBudget)
    {
        var service = ServiceInfo.Describe(ServiceName, typeof(InferenceApi).Assembly, configuration, environment);
        var model = host.Info;
        var (drafted, accepted) = telemetry.DraftTotals;
        var (held, running) = kvBudget.Reserved;
        return TypedResults.Ok(new InferenceInfo(service.Service, service.Version, service.BaseModel, service.Environment,
            model?.DType, model?.Fallback ?? false, model?.FallbackReason is { } reason ? ServerPaths.Redact(reason) : null, model?.Compute)
        {
            Decoding = new DecodingStatistics([.. batcher.BatchSizes.Reverse().SkipWhile(n => n == 0).Reverse()], drafted, accepted),
            KvCache = new KvCacheStatistics(kvBudget.BudgetBytes, held, running),
        });
    }
}
