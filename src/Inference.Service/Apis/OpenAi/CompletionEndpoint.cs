using System.Net.ServerSentEvents;
using System.Runtime.CompilerServices;
using System.Text.Json;
using FineTuneMesh.Core.Generation;
using FineTuneMesh.Inference.Service.Generation;
using FineTuneMesh.Inference.Service.Models;
using FineTuneMesh.ServiceDefaults;

namespace FineTuneMesh.Inference.Service.Apis.OpenAi;

/// <summary>
/// <c>POST /v1/chat/completions</c> and <c>POST /v1/completions</c>, whole or streamed as
/// server-sent events (ASP.NET Core's, <c>data: {json}</c> then <c>data: [DONE]</c>): read and
/// check the request, start the generation, then answer in the endpoint's <see cref="CompletionWireFormat{TRequest}"/>.
/// </summary>
public static class CompletionEndpoint
{
    private const string Done = "[DONE]";

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
        GenerationRequest generation;
        try
        {
            request = await OpenAiJson.ReadAsync<TRequest>(http.Request, cancellationToken).ConfigureAwait(false);
            model = request.RequireModel();
            generation = request.ToGeneration(catalog.AdapterFor(model), model);
        }
        catch (Exception e) when (e is not OperationCanceledException && OpenAiErrors.From(e, format.InputParameter) is { } error)
        {
            return OpenAiErrors.Result(response, error);
        }

        if (!request.Stream)
        {
            GenerationStream whole;
            try
            {
                whole = await runner.StartAsync(generation, cancellationToken).ConfigureAwait(false);
            }
            catch (Exception e) when (e is not OperationCanceledException && OpenAiErrors.From(e, format.InputParameter) is { } error)
            {
                return OpenAiErrors.Result(response, error);
            }

            await using (whole.ConfigureAwait(false))
            {
                var (text, summary) = await GenerationEvents.CollectAsync(whole.ReadAllAsync(cancellationToken), cancellationToken).ConfigureAwait(false);
                return TypedResults.Json(format.Whole($"{format.IdPrefix}-{Guid.NewGuid():N}", OpenAiApi.Now(), model, text, summary), OpenAiJson.Options);
            }
        }

        // A streamed request that has to queue starts its event stream at once and keeps it alive
        // with comments, so that no proxy on the way gives up on the wait. One that need not wait
        // (or is refused at once) answers as a non-streamed one would, with a status.
        var keepAlive = new SseKeepAlive(response);
        var queued = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        var starting = runner.StartAsync(generation, cancellationToken, async (_, token) =>
        {
            queued.TrySetResult();
            await keepAlive.WriteAsync(token).ConfigureAwait(false);
        });
        if (await Task.WhenAny(starting, queued.Task).ConfigureAwait(false) == starting)
        {
            try
            {
                await starting.ConfigureAwait(false);
            }
            catch (Exception e) when (e is not OperationCanceledException && OpenAiErrors.From(e, format.InputParameter) is { } error)
            {
                return OpenAiErrors.Result(response, error);
            }
        }

        // Whatever becomes of the event stream (a client gone before it began, say), the generation
        // and its decode slot end with the response.
        response.RegisterForDisposeAsync(new EndWithResponse(starting));
        response.Headers["X-Accel-Buffering"] = "no";
        return TypedResults.ServerSentEvents(EventsAsync(starting, keepAlive, format, model, request.StreamOptions?.IncludeUsage == true,
            cancellationToken));
    }

    private static async IAsyncEnumerable<SseItem<string>> EventsAsync<TRequest>(Task<GenerationStream> starting, SseKeepAlive keepAlive,
        CompletionWireFormat<TRequest> format, string model, bool includeUsage, [EnumeratorCancellation] CancellationToken cancellationToken)
        where TRequest : SamplingRequest
    {
        if (!starting.IsCompleted)
        {
            await keepAlive.BeginAsync(cancellationToken).ConfigureAwait(false);
        }

        var (stream, refused) = await StartedAsync(starting, format).ConfigureAwait(false);
        if (stream is null)
        {
            // The status line is gone: the error travels as an event, and no [DONE] follows.
            yield return Event(refused!.ToResponse());
            yield break;
        }

        await using (stream.ConfigureAwait(false))
        {
            var id = $"{format.IdPrefix}-{Guid.NewGuid():N}";
            var created = OpenAiApi.Now();
            if (format.Opening(id, created, model) is { } opening)
            {
                yield return Event(opening);
            }

            var items = stream.ReadAllAsync(cancellationToken).GetAsyncEnumerator(cancellationToken);
            await using (items.ConfigureAwait(false))
            {
                while (true)
                {
                    var (more, failed) = await MoveNextAsync(items, format).ConfigureAwait(false);
                    if (failed is not null)
                    {
                        yield return Event(failed.ToResponse());
                        yield break;
                    }

                    if (!more)
                    {
                        break;
                    }

                    switch (items.Current)
                    {
                        case StillWaiting:
                            await keepAlive.WriteAsync(cancellationToken).ConfigureAwait(false);
                            break;
                        case TokenDelta { Text.Length: > 0 } delta:
                            yield return Event(format.Text(id, created, model, delta.Text));
                            break;
                        case GenerationSummary summary:
                            yield return Event(format.Finish(id, created, model, OpenAiApi.FinishReasonOf(summary)));
                            if (includeUsage)
                            {
                                yield return Event(format.UsageOnly(id, created, model, new Usage(summary.PromptTokens, summary.CompletionTokens)));
                            }

                            break;
                    }
                }
            }
        }

        yield return new SseItem<string>(Done);
    }

    private static SseItem<string> Event<T>(T value) => new(JsonSerializer.Serialize(value, OpenAiJson.Options));

    /// <summary>The started generation, or the API's error for a refusal that came after the stream began.</summary>
    private static async Task<(GenerationStream? Stream, OpenAiException? Refused)> StartedAsync<TRequest>(Task<GenerationStream> starting,
        CompletionWireFormat<TRequest> format)
        where TRequest : SamplingRequest
    {
        try
        {
            return (await starting.ConfigureAwait(false), null);
        }
        catch (Exception e) when (e is not OperationCanceledException && OpenAiErrors.From(e, format.InputParameter) is { } error)
        {
            return (null, error);
        }
    }

    /// <summary>The generation's next item, or the API's error for a failure mid-stream.</summary>
    private static async Task<(bool More, OpenAiException? Failed)> MoveNextAsync<TRequest>(IAsyncEnumerator<GenerationEvent> items,
        CompletionWireFormat<TRequest> format)
        where TRequest : SamplingRequest
    {
        try
        {
            return (await items.MoveNextAsync().ConfigureAwait(false), null);
        }
        catch (Exception e) when (e is not OperationCanceledException && OpenAiErrors.From(e, format.InputParameter) is { } error)
        {
            return (false, error);
        }
    }

    private sealed class EndWithResponse(Task<GenerationStream> starting) : IAsyncDisposable
    {
        public async ValueTask DisposeAsync()
        {
            if (await Task.WhenAny(starting).ConfigureAwait(false) is { IsCompletedSuccessfully: true })
            {
                await starting.Result.DisposeAsync().ConfigureAwait(false);
            }
        }
    }
}
