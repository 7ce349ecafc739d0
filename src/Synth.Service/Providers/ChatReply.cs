namespace FineTuneMesh.Synth.Service.Providers;

/// <summary>A provider's answer: the text and the tokens it cost.</summary>
public sealed record ChatReply(string Text, long InputTokens, long OutputTokens, string? FinishReason);
