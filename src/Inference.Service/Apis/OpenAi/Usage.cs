namespace FineTuneMesh.Inference.Service.Apis.OpenAi;

/// <summary>Token counts: the prompt as the model saw it (chat template included) and the completion.</summary>
public sealed record Usage(int PromptTokens, int CompletionTokens)
{
    public int TotalTokens => PromptTokens + CompletionTokens;
}
