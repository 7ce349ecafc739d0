using FineTuneMesh.Prompts;

namespace FineTuneMesh.Inference.Service.Generation;

/// <summary>
/// One generation as either API asks for it: a text prompt or chat messages, the adapter (null or
/// empty = the base model) and the sampling settings the client set; unset ones come from the
/// model's generation_config.json.
/// </summary>
public sealed record GenerationRequest
{
    public string? Prompt { get; init; }

    public IReadOnlyList<ChatMessage>? Messages { get; init; }

    public string? Adapter { get; init; }

    public double? Temperature { get; init; }

    public int? TopK { get; init; }

    public double? TopP { get; init; }

    public double? MinP { get; init; }

    public double? RepetitionPenalty { get; init; }

    public int? Seed { get; init; }

    public int? MaxTokens { get; init; }

    public IReadOnlyList<string> Stop { get; init; } = [];

    /// <summary>What the client asked for by name (gen_ai.request.model): the adapter or the base model id.</summary>
    public string? RequestedModel { get; init; }

    /// <summary>gen_ai.operation.name: <c>chat</c> or <c>text_completion</c>.</summary>
    public string Operation => Messages is null ? "text_completion" : "chat";
}
