using System.Text;
using FineTuneMesh.Core.Generation;
using FineTuneMesh.Inference.Service.Generation;
using FineTuneMesh.Inference.Service.Models;

namespace FineTuneMesh.Inference.Service.Apis.OpenAi;

/// <summary><c>POST /v1/chat/completions</c>, whole or streamed.</summary>
public static class ChatCompletionsEndpoint
{
    public static async Task<IResult> HandleAsync(HttpContext http, GenerationRunner runner, ModelCatalog catalog)
    {
        var cancellationToken = http.RequestAborted;
        ChatCompletionRequest request;
        string model;
        GenerationStream stream;
        try
        {
            request = await OpenAiJson.ReadAsync<ChatCompletionRequest>(http.Request, cancellationToken).ConfigureAwait(false);
            model = request.RequireModel();
            var generation = request.ToGeneration(catalog.AdapterFor(model), model);
            stream = await runner.StartAsync(generation, cancellationToken).ConfigureAwait(false);
        }
        catch (Exception e) when (OpenAiErrors.From(e, "messages") is { } error)
        {
            return OpenAiErrors.Result(http.Response, error);
        }

        await using (stream.ConfigureAwait(false))
        {
            var id = $"chatcmpl-{Guid.NewGuid():N}";
            if (!request.Stream)
            {
                var (text, summary) = await CollectAsync(stream, cancellationToken).ConfigureAwait(false);
                return TypedResults.Json(new ChatCompletion(id, OpenAiApi.Now(), model,
                    [new ChatChoice(0, new AssistantMessage(text), OpenAiApi.FinishReasonOf(summary))],
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
        ChatCompletionChunk Chunk(ChatDelta delta, string? finishReason) => new(id, created, model, [new ChatChunkChoice(0, delta, finishReason)]);

        await ServerSentEvents.StartAsync(response, cancellationToken).ConfigureAwait(false);
        await ServerSentEvents.WriteAsync(response, Chunk(new ChatDelta("assistant", ""), null), cancellationToken).ConfigureAwait(false);
        try
        {
            await foreach (var item in stream.ReadAllAsync(cancellationToken).ConfigureAwait(false))
            {
                switch (item)
                {
                    case TokenDelta { Text.Length: > 0 } delta:
                        await ServerSentEvents.WriteAsync(response, Chunk(new ChatDelta(null, delta.Text), null), cancellationToken).ConfigureAwait(false);
                        break;
                    case GenerationSummary summary:
                        await ServerSentEvents.WriteAsync(response, Chunk(new ChatDelta(null, null), OpenAiApi.FinishReasonOf(summary)), cancellationToken)
                            .ConfigureAwait(false);
                        if (includeUsage)
                        {
                            await ServerSentEvents.WriteAsync(response,
                                new ChatCompletionChunk(id, created, model, [], new Usage(summary.PromptTokens, summary.CompletionTokens)),
                                cancellationToken).ConfigureAwait(false);
                        }

                        break;
                }
            }
        }
        catch (Exception e) when (e is not OperationCanceledException && OpenAiErrors.From(e, "messages") is { } error)
        {
            // The status line is long gone: the error travels as an event, and no [DONE] follows.
            await ServerSentEvents.WriteAsync(response, error.ToResponse(), cancellationToken).ConfigureAwait(false);
            return;
        }

        await ServerSentEvents.DoneAsync(response, cancellationToken).ConfigureAwait(false);
    }

    internal static async Task<(string Text, GenerationSummary Summary)> CollectAsync(GenerationStream stream, CancellationToken cancellationToken)
    {
        var text = new StringBuilder();
        GenerationSummary? summary = null;
        await foreach (var item in stream.ReadAllAsync(cancellationToken).ConfigureAwait(false))
        {
            switch (item)
            {
                case TokenDelta delta:
                    text.Append(delta.Text);
                    break;
                case GenerationSummary last:
                    summary = last;
                    break;
            }
        }

        return (text.ToString(), summary ?? throw new InvalidOperationException("the generation ended without a summary."));
    }
}
