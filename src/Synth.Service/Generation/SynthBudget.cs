namespace FineTuneMesh.Synth.Service.Generation;

/// <summary>
/// The caps of one job: provider calls (retries count) and tokens (input plus output, as reported).
/// A call is refused before it is made once either cap is reached.
/// </summary>
public sealed class SynthBudget(int maxRequests, long maxTokens)
{
    private int _requests;
    private long _inputTokens;
    private long _outputTokens;

    public int MaxRequests { get; } = maxRequests;

    public long MaxTokens { get; } = maxTokens;

    public int Requests => _requests;

    public long InputTokens => Interlocked.Read(ref _inputTokens);

    public long OutputTokens => Interlocked.Read(ref _outputTokens);

    public long Tokens => InputTokens + OutputTokens;

    /// <summary>Counts one call, or throws <see cref="SynthLimitException"/> when a cap is reached.</summary>
    public void TakeRequest()
    {
        if (_requests >= MaxRequests)
        {
            throw new SynthLimitException($"the request cap was reached ({MaxRequests} provider calls, retries included)");
        }

        if (Tokens >= MaxTokens)
        {
            throw new SynthLimitException($"the token cap was reached ({Tokens} of {MaxTokens} tokens)");
        }

        Interlocked.Increment(ref _requests);
    }

    public void AddUsage(long input, long output)
    {
        Interlocked.Add(ref _inputTokens, input);
        Interlocked.Add(ref _outputTokens, output);
    }
}
