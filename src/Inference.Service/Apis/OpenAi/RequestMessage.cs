using System.Text.Json.Serialization;

namespace FineTuneMesh.Inference.Service.Apis.OpenAi;

/// <summary>One message of a chat completion request.</summary>
public sealed record RequestMessage
{
    public string? Role { get; init; }

    [JsonConverter(typeof(MessageContentConverter))]
    public string? Content { get; init; }
}
