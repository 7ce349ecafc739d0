using System.Text.Json.Serialization;

namespace FineTuneMesh.Inference.Service.Apis.OpenAi;

/// <summary>A text completion's choice, whole or streamed; finish_reason is null until the end of a stream.</summary>
public sealed record TextChoice(
    int Index,
    string Text,
    [property: JsonIgnore(Condition = JsonIgnoreCondition.Never)] string? FinishReason)
{
    [JsonIgnore(Condition = JsonIgnoreCondition.Never)]
    public object? Logprobs => null;
}
