namespace FineTuneMesh.Inference.Service.Generation;

/// <summary>Every decode slot and queue place is taken; the client should retry after <see cref="RetryAfterMs"/>.</summary>
public sealed class ServerBusyException(string message, int retryAfterMs) : Exception(message)
{
    public int RetryAfterMs { get; } = retryAfterMs;
}
