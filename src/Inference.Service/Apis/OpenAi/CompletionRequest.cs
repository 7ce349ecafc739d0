using System.Text.Json.Serialization;
using FineTuneMesh.Inference.Service.Generation;

namespace FineTuneMesh.Inference.Service.Apis.OpenAi;

/// <summary>The body of <c>POST /v1/completions</c>: one text prompt, tokenized as is.</summary>
public sealed record CompletionRequest : SamplingRequest
{
    [JsonConverter(typeof(StringOrArrayConverter))]
    public IReadOnlyList<string>? Prompt { get; init; }

    public override GenerationRequest ToGeneration(string? adapter, string model)
    {
        Require(Prompt is { Count: 1 } && Prompt[0].Length > 0, "prompt",
            Prompt is { Count: > 1 } ? "prompt: one prompt per request is supported, not a batch." : "prompt must be a non-empty string.");
        return ToGeneration(adapter) with { Prompt = Prompt![0], RequestedModel = model };
    }
}
