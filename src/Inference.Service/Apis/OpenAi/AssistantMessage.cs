namespace FineTuneMesh.Inference.Service.Apis.OpenAi;

/// <summary>The generated message of a chat completion.</summary>
public sealed record AssistantMessage(string Content)
{
    public string Role => "assistant";
}
