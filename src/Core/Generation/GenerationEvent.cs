namespace FineTuneMesh.Core.Generation;

/// <summary>One item of a generation stream: many <see cref="TokenDelta"/>s, then one <see cref="GenerationSummary"/>.</summary>
public abstract record GenerationEvent;

/// <summary>Newly safe text and the token ids produced since the previous delta.</summary>
public sealed record TokenDelta(string Text, IReadOnlyList<int> TokenIds) : GenerationEvent;

/// <summary>The final frame: why it ended, usage, and speed.</summary>
public sealed record GenerationSummary(
    FinishReason FinishReason,
    int PromptTokens,
    int CompletionTokens,
    TimeSpan TimeToFirstToken,
    double TokensPerSecond,
    string? MatchedStopString,
    IReadOnlyList<int> CompletionTokenIds) : GenerationEvent
{
    /// <summary>Tokens drafted for speculative decoding, and how many of them the model accepted.</summary>
    public int DraftedTokens { get; init; }

    public int AcceptedDraftTokens { get; init; }
}
