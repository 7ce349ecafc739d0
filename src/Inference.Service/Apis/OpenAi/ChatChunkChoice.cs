using System.Text.Json.Serialization;

namespace FineTuneMesh.Inference.Service.Apis.OpenAi;

/// <summary>A streamed choice: finish_reason is null until the last content chunk.</summary>
public sealed record ChatChunkChoice(
    int Index,
    ChatDelta Delta,
    [property: JsonIgnore(Condition = JsonIgnoreCondition.Never)] string? FinishReason);
