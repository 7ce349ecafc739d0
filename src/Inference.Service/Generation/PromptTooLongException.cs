namespace FineTuneMesh.Inference.Service.Generation;

/// <summary>The prompt has more tokens than the model's context or the configured maximum allow.</summary>
public sealed class PromptTooLongException(int promptTokens, int limit, string message) : ArgumentException(message)
{
    public int PromptTokens { get; } = promptTokens;

    public int Limit { get; } = limit;
}
