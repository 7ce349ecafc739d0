using FineTuneMesh.Core.Generation;

namespace FineTuneMesh.Inference.Service.Apis.OpenAi;

/// <summary>The chat completions wire format: <c>chat.completion</c> and <c>chat.completion.chunk</c> objects.</summary>
public sealed class ChatCompletionFormat : CompletionWireFormat<ChatCompletionRequest>
{
    public static ChatCompletionFormat Instance { get; } = new();

    public override string InputParameter => "messages";

    public override string IdPrefix => "chatcmpl";

    public override object Whole(string id, long created, string model, string text, GenerationSummary summary) =>
        new ChatCompletion(id, created, model, [new ChatChoice(0, new AssistantMessage(text), OpenAiApi.FinishReasonOf(summary))],
            new Usage(summary.PromptTokens, summary.CompletionTokens));

    public override object? Opening(string id, long created, string model) => Chunk(id, created, model, new ChatDelta("assistant", ""), null);

    public override object Text(string id, long created, string model, string text) => Chunk(id, created, model, new ChatDelta(null, text), null);

    public override object Finish(string id, long created, string model, string finishReason) =>
        Chunk(id, created, model, new ChatDelta(null, null), finishReason);

    public override object UsageOnly(string id, long created, string model, Usage usage) => new ChatCompletionChunk(id, created, model, [], usage);

    private static ChatCompletionChunk Chunk(string id, long created, string model, ChatDelta delta, string? finishReason) =>
        new(id, created, model, [new ChatChunkChoice(0, delta, finishReason)]);
}
