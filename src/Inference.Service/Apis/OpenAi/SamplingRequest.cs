using System.Text.Json.Serialization;
using FineTuneMesh.Inference.Service.Generation;

namespace FineTuneMesh.Inference.Service.Apis.OpenAi;

/// <summary>
/// The fields chat and text completions share: the model (base model id or adapter name), the
/// sampling settings OpenAI defines (plus vLLM's <c>top_k</c>, <c>min_p</c> and
/// <c>repetition_penalty</c>), stop strings and streaming. Fields this server does not implement
/// (penalties, logprobs, tools) are ignored, as unknown fields are.
/// </summary>
public abstract record SamplingRequest
{
    public string? Model { get; init; }

    public double? Temperature { get; init; }

    public double? TopP { get; init; }

    public int? TopK { get; init; }

    public double? MinP { get; init; }

    public double? RepetitionPenalty { get; init; }

    public int? MaxTokens { get; init; }

    /// <summary>What newer clients (the official SDKs) send instead of max_tokens.</summary>
    public int? MaxCompletionTokens { get; init; }

    public long? Seed { get; init; }

    [JsonConverter(typeof(StringOrArrayConverter))]
    public IReadOnlyList<string>? Stop { get; init; }

    public int? N { get; init; }

    public bool Stream { get; init; }

    public StreamOptions? StreamOptions { get; init; }

    /// <summary>The model field, or a 400 when it is missing.</summary>
    public string RequireModel() =>
        string.IsNullOrWhiteSpace(Model) ? throw OpenAiException.BadRequest("You must provide a model parameter.", "model") : Model;

    /// <summary>The settings as a generation request, or a 400 naming the parameter out of range.</summary>
    /// <summary>The request as the generation runner takes it, for the adapter <paramref name="model"/> names.</summary>
    public abstract GenerationRequest ToGeneration(string? adapter, string model);

    protected GenerationRequest ToGeneration(string? adapter)
    {
        Require(N is null or 1, "n", $"n={N} is not supported: this server returns exactly one choice (n=1).");
        Require(Temperature is null or (>= 0 and <= 2), "temperature", $"temperature={Temperature} is out of range: use 0 to 2.");
        Require(TopP is null or (> 0 and <= 1), "top_p", $"top_p={TopP} is out of range: use a value in (0, 1].");
        Require(TopK is null or >= 0, "top_k", $"top_k={TopK} must be 0 (off) or positive.");
        Require(MinP is null or (>= 0 and < 1), "min_p", $"min_p={MinP} is out of range: use [0, 1).");
        Require(RepetitionPenalty is null or (> 0 and <= 10), "repetition_penalty", $"repetition_penalty={RepetitionPenalty} is out of range: use (0, 10].");
        var maxTokens = MaxCompletionTokens ?? MaxTokens;
        var maxTokensName = MaxCompletionTokens is null ? "max_tokens" : "max_completion_tokens";
        Require(maxTokens is null or >= 1, maxTokensName, $"{maxTokensName}={maxTokens} must be at least 1.");
        Require(Stop is null || Stop.All(s => s.Length > 0), "stop", "stop strings must not be empty.");
        return new GenerationRequest
        {
            Adapter = adapter,
            RequestedModel = Model,
            Temperature = Temperature,
            TopP = TopP,
            TopK = TopK,
            MinP = MinP,
            RepetitionPenalty = RepetitionPenalty,
            MaxTokens = maxTokens,
            // int seeds pass unchanged; larger ones are folded, deterministically.
            Seed = Seed is { } seed ? unchecked((int)(seed ^ (seed >> 32))) : null,
            Stop = Stop ?? [],
        };
    }

    protected static void Require(bool condition, string param, string message)
    {
        if (!condition)
        {
            throw OpenAiException.BadRequest(message, param);
        }
    }
}
