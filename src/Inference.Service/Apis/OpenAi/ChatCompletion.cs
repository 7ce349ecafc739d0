namespace FineTuneMesh.Inference.Service.Apis.OpenAi;

/// <summary>The response of a non-streaming chat completion.</summary>
public sealed record ChatCompletion(string Id, long Created, string Model, IReadOnlyList<ChatChoice> Choices, Usage Usage)
{
    public string Object => "chat.completion";
}
