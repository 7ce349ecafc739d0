namespace FineTuneMesh.Inference.Service.Apis.OpenAi;

/// <summary>One server-sent event of a streaming chat completion; the usage chunk has no choices.</summary>
public sealed record ChatCompletionChunk(string Id, long Created, string Model, IReadOnlyList<ChatChunkChoice> Choices, Usage? Usage = null)
{
    public string Object => "chat.completion.chunk";
}
