namespace FineTuneMesh.Cli.Commands;

/// <summary>One benchmark stream: when its first and last token arrived (from its start) and how many it got.</summary>
public sealed record StreamTiming(TimeSpan FirstToken, TimeSpan LastToken, int Tokens)
{
    /// <summary>Decode speed after the first token, as the client saw it.</summary>
    public double TokensPerSecond => Tokens > 1 && LastToken > FirstToken ? (Tokens - 1) / (LastToken - FirstToken).TotalSeconds : 0;

    public double MillisecondsPerToken => Tokens > 1 ? (LastToken - FirstToken).TotalMilliseconds / (Tokens - 1) : 0;
}
