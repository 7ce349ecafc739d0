using System.Text.Json;
using FineTuneMesh.Inference.Service.Apis.OpenAi;
using FineTuneMesh.Inference.Service.Generation;
using FineTuneMesh.Inference.Service.Models;
using FineTuneMesh.Prompts;

namespace FineTuneMesh.Inference.Service.Apis;

/// <summary>
/// <c>POST /api/inference/prompt</c>: the prompt exactly as the model would see it for a chat or
/// completions request body (the chat template applied to <c>messages</c>, or the <c>prompt</c> as
/// given), with its token count. Nothing is generated; errors are worded as the OpenAI API's.
/// </summary>
public static class PromptPreview
{
    public static async Task<IResult> RenderAsync(HttpContext http, ModelHost host, ModelCatalog catalog)
    {
        try
        {
            using var body = await JsonDocument.ParseAsync(http.Request.Body, cancellationToken: http.RequestAborted);
            var isChat = body.RootElement.ValueKind == JsonValueKind.Object && body.RootElement.TryGetProperty("messages", out _);
            SamplingRequest request = isChat
                ? body.RootElement.Deserialize<ChatCompletionRequest>(OpenAiJson.Options)!
                : body.RootElement.Deserialize<CompletionRequest>(OpenAiJson.Options)!;
            var model = request.RequireModel();
            var generation = request.ToGeneration(catalog.AdapterFor(model), model);
            if (model != catalog.BaseModelId && !(await catalog.ListAsync(http.RequestAborted)).Contains(model))
            {
                throw new AdapterNotFoundException($"The model '{model}' does not exist: GET /v1/models lists the base model and its adapters.");
            }

            if (!host.IsLoaded)
            {
                throw new ModelNotReadyException();
            }

            var tokenizer = host.Model.Tokenizer;
            var prompt = generation.Messages is { } messages ? ChatPromptRenderer.Render(messages, tokenizer.ChatTemplate) : generation.Prompt ?? "";
            return TypedResults.Json(new { prompt, promptTokens = tokenizer.Encode(prompt).Count });
        }
        catch (JsonException e)
        {
            return OpenAiErrors.Result(http.Response, OpenAiException.BadRequest($"We could not parse the JSON body of your request: {e.Message}", null));
        }
        catch (Exception e) when (e is not OperationCanceledException && OpenAiErrors.From(e, "prompt") is { } error)
        {
            return OpenAiErrors.Result(http.Response, error);
        }
    }
}
