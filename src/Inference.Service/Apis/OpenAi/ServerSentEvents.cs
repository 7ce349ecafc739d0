using System.Text;
using System.Text.Json;
using Microsoft.AspNetCore.Http.Features;

namespace FineTuneMesh.Inference.Service.Apis.OpenAi;

/// <summary>
/// Writes <c>data: {json}\n\n</c> events, flushing each at once (no response buffering, and
/// <c>X-Accel-Buffering: no</c> for proxies that honour it), and the closing <c>data: [DONE]</c>.
/// </summary>
public static class ServerSentEvents
{
    private static readonly byte[] _prefix = "data: "u8.ToArray();
    private static readonly byte[] _suffix = "\n\n"u8.ToArray();
    private static readonly byte[] _done = Encoding.UTF8.GetBytes("data: [DONE]\n\n");
    private static readonly byte[] _keepAlive = ": keep-alive\n\n"u8.ToArray();

    public static async Task StartAsync(HttpResponse response, CancellationToken cancellationToken)
    {
        response.StatusCode = StatusCodes.Status200OK;
        response.ContentType = "text/event-stream; charset=utf-8";
        response.Headers.CacheControl = "no-cache";
        response.Headers["X-Accel-Buffering"] = "no";
        response.HttpContext.Features.Get<IHttpResponseBodyFeature>()?.DisableBuffering();
        await response.StartAsync(cancellationToken).ConfigureAwait(false);
    }

    public static async Task WriteAsync<T>(HttpResponse response, T value, CancellationToken cancellationToken)
    {
        // One write per event: unbuffered, each write would otherwise leave as its own chunk and packet.
        var json = JsonSerializer.SerializeToUtf8Bytes(value, OpenAiJson.Options);
        var frame = new byte[_prefix.Length + json.Length + _suffix.Length];
        _prefix.CopyTo(frame, 0);
        json.CopyTo(frame, _prefix.Length);
        _suffix.CopyTo(frame, _prefix.Length + json.Length);
        await response.Body.WriteAsync(frame, cancellationToken).ConfigureAwait(false);
        await response.Body.FlushAsync(cancellationToken).ConfigureAwait(false);
    }

    /// <summary>A comment line: clients ignore it, proxies see the stream is alive.</summary>
    public static async Task KeepAliveAsync(HttpResponse response, CancellationToken cancellationToken)
    {
        await response.Body.WriteAsync(_keepAlive, cancellationToken).ConfigureAwait(false);
        await response.Body.FlushAsync(cancellationToken).ConfigureAwait(false);
    }

    public static async Task DoneAsync(HttpResponse response, CancellationToken cancellationToken)
    {
        await response.Body.WriteAsync(_done, cancellationToken).ConfigureAwait(false);
        await response.Body.FlushAsync(cancellationToken).ConfigureAwait(false);
    }
}
