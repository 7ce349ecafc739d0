using Microsoft.AspNetCore.Http;

namespace FineTuneMesh.ServiceDefaults;

/// <summary>
/// ASP.NET Core's server-sent events (<c>TypedResults.ServerSentEvents</c>) write events only. An
/// SSE comment, which clients skip and proxies take as a sign of life, has no event to ride on, so
/// it is written here, straight to the response body, at the moments the framework is waiting for
/// the stream's next event (never while it writes one). A comment rather than an event because
/// clients such as the OpenAI SDKs parse every event's data.
/// </summary>
public sealed class SseKeepAlive(HttpResponse response)
{
    private static readonly byte[] _comment = ": keep-alive\n\n"u8.ToArray();

    // A comment from a queue's keep-alive timer may come while the stream is beginning.
    private readonly SemaphoreSlim _writing = new(1, 1);

    /// <summary>
    /// Sends the status line and headers (the framework has set them by the time the stream's first
    /// event is asked for) before any event exists, so nothing on the way waits for one.
    /// </summary>
    public async Task BeginAsync(CancellationToken cancellationToken)
    {
        await _writing.WaitAsync(cancellationToken).ConfigureAwait(false);
        try
        {
            await response.StartAsync(cancellationToken).ConfigureAwait(false);
            await response.Body.FlushAsync(cancellationToken).ConfigureAwait(false);
        }
        finally
        {
            _writing.Release();
        }
    }

    /// <summary>
    /// A keep-alive comment; nothing while the response has not started, since until then its
    /// headers are not yet the framework's (and the first event will start it anyway).
    /// </summary>
    public async Task WriteAsync(CancellationToken cancellationToken)
    {
        await _writing.WaitAsync(cancellationToken).ConfigureAwait(false);
        try
        {
            if (response.HasStarted)
            {
                await response.Body.WriteAsync(_comment, cancellationToken).ConfigureAwait(false);
                await response.Body.FlushAsync(cancellationToken).ConfigureAwait(false);
            }
        }
        finally
        {
            _writing.Release();
        }
    }
}
