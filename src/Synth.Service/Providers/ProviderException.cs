namespace FineTuneMesh.Synth.Service.Providers;

/// <summary>
/// A failed provider call. Transient failures (429, 408, 5xx, the network, a reply that could not be
/// read) are worth retrying, after <see cref="RetryAfter"/> when the server said how long.
/// </summary>
public sealed class ProviderException(string message, int? statusCode, bool isTransient, TimeSpan? retryAfter = null, Exception? inner = null)
    : Exception(message, inner)
{
    public int? StatusCode { get; } = statusCode;

    public bool IsTransient { get; } = isTransient;

    public TimeSpan? RetryAfter { get; } = retryAfter;

    public static bool IsTransientStatus(int status) => status is 408 or 409 or 429 || status >= 500;

    public static ProviderException FromStatus(string provider, int status, string? detail, TimeSpan? retryAfter, Exception inner) =>
        new($"provider '{provider}' answered HTTP {status}{(string.IsNullOrWhiteSpace(detail) ? "" : $": {Shorten(detail)}")}",
            status, IsTransientStatus(status), retryAfter, inner);

    public static ProviderException Network(string provider, Exception inner) =>
        new($"provider '{provider}' could not be reached: {inner.Message}", null, isTransient: true, inner: inner);

    public static ProviderException Malformed(string provider, Exception inner) =>
        new($"provider '{provider}' sent a reply that could not be read: {inner.Message}", null, isTransient: true, inner: inner);

    private static string Shorten(string text) => text.Length <= 300 ? text : text[..300] + "...";
}
