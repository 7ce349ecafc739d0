namespace FineTuneMesh.Inference.Service.Apis.OpenAi;

/// <summary>The response of <c>/v1/completions</c>, and each of its stream chunks (OpenAI uses one shape for both).</summary>
public sealed record TextCompletion(string Id, long Created, string Model, IReadOnlyList<TextChoice> Choices, Usage? Usage = null)
{
    public string Object => "text_completion";
}
