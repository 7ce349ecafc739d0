namespace FineTuneMesh.Synth.Service.Generation;

/// <summary>
/// How long to wait before retry <c>attempt</c> (1-based): the server's Retry-After when it gave one
/// (capped), otherwise exponential from <c>initial</c> with up to 20% jitter, capped at <c>max</c>.
/// </summary>
public static class Backoff
{
    public static TimeSpan Delay(int attempt, TimeSpan initial, TimeSpan max, TimeSpan? retryAfter, TimeSpan maxRetryAfter)
    {
        if (retryAfter is { } told)
        {
            return told < maxRetryAfter ? told : maxRetryAfter;
        }

        var exponential = initial.TotalMilliseconds * Math.Pow(2, Math.Max(0, attempt - 1));
        var jittered = exponential * (1 + (Random.Shared.NextDouble() * 0.2));
        return TimeSpan.FromMilliseconds(Math.Min(jittered, max.TotalMilliseconds));
    }
}
