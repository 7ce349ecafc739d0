using System.Text.Json;
using System.Text.Json.Nodes;
using FineTuneMesh.Cli.Commands;
using FineTuneMesh.Prompts;

namespace FineTuneMesh.Cli.Mesh;

/// <summary>
/// A completion streamed from the mesh's OpenAI-compatible API (<c>/v1/completions</c> for a raw
/// prompt, <c>/v1/chat/completions</c> for messages), with the CLI's sampling options; the text is
/// handed on as it arrives.
/// </summary>
public static class RemoteCompletion
{
    public sealed record Result(string Text, string? FinishReason, int PromptTokens, int CompletionTokens);

    /// <summary>The model to ask for: the adapter named, else the base model the mesh serves (the first of /v1/models).</summary>
    public static async Task<string> ModelAsync(MeshClient mesh, string? adapter, CancellationToken cancellationToken)
    {
        if (!string.IsNullOrEmpty(adapter))
        {
            return adapter;
        }

        var models = await mesh.GetAsync<JsonElement>("v1/models", cancellationToken);
        return models.GetProperty("data").EnumerateArray().Select(m => m.GetProperty("id").GetString()).FirstOrDefault()
            ?? throw new MeshException("the mesh serves no model yet.", MeshExitCodes.Unavailable);
    }

    public static async Task<Result> StreamAsync(MeshClient mesh, string model, string? prompt, IReadOnlyList<ChatMessage>? messages,
        SamplingSettings settings, Action<string> onText, CancellationToken cancellationToken)
    {
        var body = new JsonObject { ["model"] = model, ["stream"] = true, ["stream_options"] = new JsonObject { ["include_usage"] = true } };
        if (messages is not null)
        {
            body["messages"] = new JsonArray([.. messages.Select(m => (JsonNode)new JsonObject { ["role"] = m.Role, ["content"] = m.Content })]);
        }
        else
        {
            body["prompt"] = prompt;
        }

        Set(body, "temperature", settings.Temperature);
        Set(body, "top_p", settings.TopP);
        Set(body, "top_k", settings.TopK);
        Set(body, "min_p", settings.MinP);
        Set(body, "repetition_penalty", settings.RepetitionPenalty);
        Set(body, "seed", settings.Seed);
        Set(body, "max_tokens", settings.MaxTokens);
        if (settings.Stop.Length > 0)
        {
            body["stop"] = new JsonArray([.. settings.Stop.Select(s => (JsonNode)JsonValue.Create(s.Replace("\\n", "\n", StringComparison.Ordinal)))]);
        }

        var path = messages is null ? "v1/completions" : "v1/chat/completions";
        var request = new HttpRequestMessage(HttpMethod.Post, path) { Content = new StringContent(body.ToJsonString(), System.Text.Encoding.UTF8, "application/json") };
        var text = new System.Text.StringBuilder();
        string? finish = null;
        int promptTokens = 0, completionTokens = 0;
        await foreach (var item in mesh.EventsAsync(request, cancellationToken))
        {
            if (item.Data == "[DONE]")
            {
                break;
            }

            using var document = JsonDocument.Parse(item.Data);
            var chunk = document.RootElement;
            if (chunk.TryGetProperty("error", out _))
            {
                throw new MeshException(MeshErrorText.From(500, item.Data), MeshExitCodes.Unavailable);
            }

            foreach (var choice in chunk.TryGetProperty("choices", out var choices) ? choices.EnumerateArray() : default)
            {
                var piece = choice.TryGetProperty("text", out var t) ? t.GetString()
                    : choice.TryGetProperty("delta", out var delta) && delta.TryGetProperty("content", out var c) ? c.GetString() : null;
                if (!string.IsNullOrEmpty(piece))
                {
                    text.Append(piece);
                    onText(piece);
                }

                if (choice.TryGetProperty("finish_reason", out var reason) && reason.ValueKind == JsonValueKind.String)
                {
                    finish = reason.GetString();
                }
            }

            if (chunk.TryGetProperty("usage", out var usage) && usage.ValueKind == JsonValueKind.Object)
            {
                promptTokens = usage.GetProperty("prompt_tokens").GetInt32();
                completionTokens = usage.GetProperty("completion_tokens").GetInt32();
            }
        }

        return new Result(text.ToString(), finish, promptTokens, completionTokens);
    }

    private static void Set<T>(JsonObject body, string name, T? value)
        where T : struct
    {
        if (value is { } v)
        {
            body[name] = JsonValue.Create(v);
        }
    }
}
