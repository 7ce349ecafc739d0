using System.Diagnostics;
using FineTuneMesh.Core.Generation;
using FineTuneMesh.Inference.Service.Models;

namespace FineTuneMesh.Inference.Service.Apis.OpenAi;

/// <summary>
/// The OpenAI-compatible REST API: <c>/v1/models</c>, <c>/v1/chat/completions</c> and
/// <c>/v1/completions</c>, streaming (server-sent events ending with <c>data: [DONE]</c>) or not.
/// The <c>model</c> field selects the base model or an adapter. Generation goes through the same
/// <see cref="Generation.GenerationRunner"/> as gRPC, so admission, adapters, stop strings, usage
/// and telemetry are shared; a client that disconnects ends the request and so the generation.
/// </summary>
public static class OpenAiApi
{
    private static readonly long _started = new DateTimeOffset(Process.GetCurrentProcess().StartTime.ToUniversalTime()).ToUnixTimeSeconds();

    public static RouteGroupBuilder MapOpenAiApi(this IEndpointRouteBuilder app)
    {
        var api = app.MapGroup("/v1").WithTags("OpenAI");

        api.MapGet("/models", ListModels).WithName("ListModels");
        api.MapGet("/models/{**id}", GetModel).WithName("GetModel");
        api.MapPost("/chat/completions", CompletionEndpoint.ChatAsync).WithName("CreateChatCompletion");
        api.MapPost("/completions", CompletionEndpoint.TextAsync).WithName("CreateCompletion");

        return api;
    }

    /// <summary>The base model first, then every usable adapter.</summary>
    public static async Task<IResult> ListModels(ModelCatalog catalog, CancellationToken cancellationToken) =>
        TypedResults.Json(new ModelList([.. (await catalog.ListAsync(cancellationToken)).Select(Card)]), OpenAiJson.Options);

    public static async Task<IResult> GetModel(string id, ModelCatalog catalog, HttpResponse response, CancellationToken cancellationToken)
    {
        try
        {
            catalog.AdapterFor(id);
            if (!(await catalog.ListAsync(cancellationToken)).Contains(id) && id != catalog.BaseModelId)
            {
                throw new AdapterNotFoundException($"The model '{id}' does not exist: GET /v1/models lists the base model and its adapters.");
            }

            return TypedResults.Json(Card(id), OpenAiJson.Options);
        }
        catch (AdapterNotFoundException e)
        {
            return OpenAiErrors.Result(response, OpenAiErrors.From(e, "model")!);
        }
    }

    /// <summary>OpenAI's finish_reason for the engine's; a cancelled generation has no reader left to tell.</summary>
    public static string FinishReasonOf(GenerationSummary summary) => summary.FinishReason == FinishReason.Length ? "length" : "stop";

    public static long Now() => DateTimeOffset.UtcNow.ToUnixTimeSeconds();

    private static ModelCard Card(string id) => new(id, _started, "finetunemesh");
}
