namespace FineTuneMesh.Core.Generation;

/// <summary>How the next token is chosen and when generation ends. Temperature 0 means greedy.</summary>
public sealed record SamplingOptions
{
    public double Temperature { get; init; }
    public int TopK { get; init; }
    public double TopP { get; init; } = 1.0;
    public double MinP { get; init; }
    public double RepetitionPenalty { get; init; } = 1.0;
    public int? Seed { get; init; }
    public int MaxNewTokens { get; init; } = 256;
    public IReadOnlyList<int> StopTokenIds { get; init; } = [];
    public IReadOnlyList<string> StopStrings { get; init; } = [];

    /// <summary>
    /// Speculative decoding: at most this many tokens are drafted per step (from the prompt, the text
    /// so far and <see cref="ExpectedTexts"/>) and verified in one pass. Greedy output is exactly
    /// plain greedy decoding's; sampled output keeps its distribution (the acceptance rule), though
    /// a seed then draws a different, equally likely text than without drafts. 0 turns it off.
    /// </summary>
    public int DraftTokens { get; init; } = 8;

    /// <summary>Texts the answer is expected to repeat, such as a template's fixed text after the answer field.</summary>
    public IReadOnlyList<string> ExpectedTexts { get; init; } = [];

    public bool IsGreedy => Temperature <= 0 || TopK == 1;

    /// <summary>Throws <see cref="ArgumentException"/> naming the first setting out of range.</summary>
    public void Validate()
    {
        Require(Temperature is >= 0 and <= 100, "temperature must be between 0 and 100");
        Require(TopK >= 0, "top_k must be 0 (off) or positive");
        Require(TopP is > 0 and <= 1, "top_p must be in (0, 1]");
        Require(MinP is >= 0 and < 1, "min_p must be in [0, 1)");
        Require(RepetitionPenalty is > 0 and <= 10, "repetition_penalty must be in (0, 10]");
        Require(MaxNewTokens >= 1, "max_new_tokens must be at least 1");
        Require(StopStrings.All(s => s.Length > 0), "stop strings must not be empty");
        Require(DraftTokens is >= 0 and < Modeling.TokenStep.MaxTokens, $"draft_tokens must be from 0 to {Modeling.TokenStep.MaxTokens - 1}");
    }

    private static void Require(bool condition, string message)
    {
        if (!condition)
        {
            throw new ArgumentException(message);
        }
    }
}
