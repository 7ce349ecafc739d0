using System.Text.Json;
using System.Text.Json.Serialization;

namespace FineTuneMesh.Inference.Service.Apis.OpenAi;

/// <summary>The OpenAI wire format: snake_case names, nulls left out, numbers as numbers.</summary>
public static class OpenAiJson
{
    public static JsonSerializerOptions Options { get; } = new(JsonSerializerDefaults.Web)
    {
        PropertyNamingPolicy = JsonNamingPolicy.SnakeCaseLower,
        DefaultIgnoreCondition = JsonIgnoreCondition.WhenWritingNull,
        NumberHandling = JsonNumberHandling.Strict,
    };

    /// <summary>The request body as <typeparamref name="T"/>, or a 400 naming what is wrong with it.</summary>
    public static async Task<T> ReadAsync<T>(HttpRequest request, CancellationToken cancellationToken)
        where T : class
    {
        try
        {
            return await JsonSerializer.DeserializeAsync<T>(request.Body, Options, cancellationToken).ConfigureAwait(false)
                ?? throw OpenAiException.BadRequest("The request body must be a JSON object.", null);
        }
        catch (JsonException e)
        {
            var param = e.Path is { Length: > 2 } path && path.StartsWith("$.", StringComparison.Ordinal) ? path[2..] : null;
            throw OpenAiException.BadRequest($"We could not parse the JSON body of your request: {e.Message}", param);
        }
    }
}
