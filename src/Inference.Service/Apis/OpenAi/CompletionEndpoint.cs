using FineTuneMesh.Core.Generation;
using FineTuneMesh.Inference.Service.Generation;
using FineTuneMesh.Inference.Service.Models;

namespace FineTuneMesh.Inference.Service.Apis.OpenAi;

/// <summary>
/// <c>POST /v1/chat/completions</c> and <c>POST /v1/completions</c>, whole or streamed as
/// server-sent events: read and check the request, start the generation, then answer in the
/// endpoint's <see cref="CompletionWireFormat{TRequest}"/>.
/// </summary>
public static class CompletionEndpoint
{
    public static Task<IResult> ChatAsync(HttpContext http, GenerationRunner runner, ModelCatalog catalog) =>
        HandleAsync(http, runner, catalog, ChatCompletionFormat.Instance);

    public static Task<IResult> TextAsync(HttpContext http, GenerationRunner runner, ModelCatalog catalog) =>
        HandleAsync(http, runner, catalog, TextCompletionFormat.Instance);

    private static async Task<IResult> HandleAsync<TRequest>(HttpContext http, GenerationRunner runner, ModelCatalog catalog,
        CompletionWireFormat<TRequest> format)
        where TRequest : SamplingRequest
    {
        var cancellationToken = http.RequestAborted;
        var response = http.Response;
        TRequest request;
        string model;
        GenerationStream stream;
        var streamStarted = false;
        try
        {
            request = await OpenAiJson.ReadAsync<TRequest>(http.Request, cancellationToken).ConfigureAwait(false);
            model = request.RequireModel();
            // A streamed request that has to queue starts its event stream at once and keeps it
            // alive with comments, so that no proxy on the way gives up on the wait.
            Func<TimeSpan, CancellationToken, Task>? whileQueued = request.Stream
                ? async (_, token) =>
                {
                    if (!streamStarted)
                    {
                        await ServerSentEvents.StartAsync(response, token).ConfigureAwait(false);
                        streamStarted = true;
                    }

                    await ServerSentEvents.KeepAliveAsync(response, token).ConfigureAwait(false);
                }
                : null;
            stream = await runner.StartAsync(request.ToGeneration(catalog.AdapterFor(model), model), cancellationToken, whileQueued)
                .ConfigureAwait(false);
        }
        catch (Exception e) when (e is not OperationCanceledException && OpenAiErrors.From(e, format.InputParameter) is { } error)
        {
            if (!streamStarted)
            {
                return OpenAiErrors.Result(response, error);
            }

            // The status line is gone: the error travels as an event, and no [DONE] follows.
            await ServerSentEvents.WriteAsync(response, error.ToResponse(), cancellationToken).ConfigureAwait(false);
            return TypedResults.Empty;
        }

        await using (stream.ConfigureAwait(false))
        {
            var id = $"{format.IdPrefix}-{Guid.NewGuid():N}";
            if (!request.Stream)
            {
                var (text, summary) = await GenerationEvents.CollectAsync(stream.ReadAllAsync(cancellationToken), cancellationToken).ConfigureAwait(false);
                return TypedResults.Json(format.Whole(id, OpenAiApi.Now(), model, text, summary), OpenAiJson.Options);
            }

            await StreamAsync(response, stream, format, id, model, request.StreamOptions?.IncludeUsage == true, streamStarted, cancellationToken)
                .ConfigureAwait(false);
            return TypedResults.Empty;
        }
    }

    private static async Task StreamAsync<TRequest>(HttpResponse response, GenerationStream stream, CompletionWireFormat<TRequest> format,
        string id, string model, bool includeUsage, bool started, CancellationToken cancellationToken)
        where TRequest : SamplingRequest
    {
        var created = OpenAiApi.Now();
        if (!started)
        {
            await ServerSentEvents.StartAsync(response, cancellationToken).ConfigureAwait(false);
        }

        if (format.Opening(id, created, model) is { } opening)
        {
            await ServerSentEvents.WriteAsync(response, opening, cancellationToken).ConfigureAwait(false);
        }

        try
        {
            await foreach (var item in stream.ReadAllAsync(cancellationToken).ConfigureAwait(false))
            {
                switch (item)
                {
                    case StillWaiting:
                        await ServerSentEvents.KeepAliveAsync(response, cancellationToken).ConfigureAwait(false);
                        break;
                    case TokenDelta { Text.Length: > 0 } delta:
                        await ServerSentEvents.WriteAsync(response, format.Text(id, created, model, delta.Text), cancellationToken).ConfigureAwait(false);
                        break;
                    case GenerationSummary summary:
                        await ServerSentEvents.WriteAsync(response, format.Finish(id, created, model, OpenAiApi.FinishReasonOf(summary)),
                            cancellationToken).ConfigureAwait(false);
                        if (includeUsage)
                        {
                            await ServerSentEvents.WriteAsync(response,
                                format.UsageOnly(id, created, model, new Usage(summary.PromptTokens, summary.CompletionTokens)),
                                cancellationToken).ConfigureAwait(false);
                        }

                        break;
                }
            }
        }
        catch (Exception e) when (e is not OperationCanceledException && OpenAiErrors.From(e, format.InputParameter) is { } error)
        {
            // The status line is long gone: the error travels as an event, and no [DONE] follows.
            await ServerSentEvents.WriteAsync(response, error.ToResponse(), cancellationToken).ConfigureAwait(false);
            return;
        }

        await ServerSentEvents.DoneAsync(response, cancellationToken).ConfigureAwait(false);
    }
}
