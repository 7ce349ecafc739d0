using FineTuneMesh.Core.Generation;
using FineTuneMesh.Inference.Service.Generation;
using FineTuneMesh.Inference.Service.Models;

namespace FineTuneMesh.Inference.Service.Apis.OpenAi;

/// <summary><c>POST /v1/completions</c>: a raw text prompt, whole or streamed.</summary>
public static class CompletionsEndpoint
{
    public static async Task<IResult> HandleAsync(HttpContext http, GenerationRunner runner, ModelCatalog catalog)
    {
        var cancellationToken = http.RequestAborted;
        CompletionRequest request;
        string model;
        GenerationStream stream;
        try
        {
            request = await OpenAiJson.ReadAsync<CompletionRequest>(http.Request, cancellationToken).ConfigureAwait(false);
            model = request.RequireModel();
            var generation = request.ToGeneration(catalog.AdapterFor(model), model);
            stream = await runner.StartAsync(generation, cancellationToken).ConfigureAwait(false);
        }
        catch (Exception e) when (OpenAiErrors.From(e, "prompt") is { } error)
        {
            return OpenAiErrors.Result(http.Response, error);
        }

        await using (stream.ConfigureAwait(false))
        {
            var id = $"cmpl-{Guid.NewGuid():N}";
            if (!request.Stream)
            {
                var (text, summary) = await ChatCompletionsEndpoint.CollectAsync(stream, cancellationToken).ConfigureAwait(false);
                return TypedResults.Json(new TextCompletion(id, OpenAiApi.Now(), model,
                    [new TextChoice(0, text, OpenAiApi.FinishReasonOf(summary))],
                    new Usage(summary.PromptTokens, summary.CompletionTokens)), OpenAiJson.Options);
            }

            await StreamAsync(http.Response, stream, id, model, request.StreamOptions?.IncludeUsage == true, cancellationToken).ConfigureAwait(false);
            return TypedResults.Empty;
        }
    }

    private static async Task StreamAsync(HttpResponse response, GenerationStream stream, string id, string model, bool includeUsage,
        CancellationToken cancellationToken)
    {
        var created = OpenAiApi.Now();
        await ServerSentEvents.StartAsync(response, cancellationToken).ConfigureAwait(false);
        try
        {
            await foreach (var item in stream.ReadAllAsync(cancellationToken).ConfigureAwait(false))
            {
                switch (item)
                {
                    case TokenDelta { Text.Length: > 0 } delta:
                        await ServerSentEvents.WriteAsync(response, new TextCompletion(id, created, model, [new TextChoice(0, delta.Text, null)]),
                            cancellationToken).ConfigureAwait(false);
                        break;
                    case GenerationSummary summary:
                        await ServerSentEvents.WriteAsync(response,
                            new TextCompletion(id, created, model, [new TextChoice(0, "", OpenAiApi.FinishReasonOf(summary))]),
                            cancellationToken).ConfigureAwait(false);
                        if (includeUsage)
                        {
                            await ServerSentEvents.WriteAsync(response,
                                new TextCompletion(id, created, model, [], new Usage(summary.PromptTokens, summary.CompletionTokens)),
                                cancellationToken).ConfigureAwait(false);
                        }

                        break;
                }
            }
        }
        catch (Exception e) when (e is not OperationCanceledException && OpenAiErrors.From(e, "prompt") is { } error)
        {
            await ServerSentEvents.WriteAsync(response, error.ToResponse(), cancellationToken).ConfigureAwait(false);
            return;
        }

        await ServerSentEvents.DoneAsync(response, cancellationToken).ConfigureAwait(false);
    }
}
