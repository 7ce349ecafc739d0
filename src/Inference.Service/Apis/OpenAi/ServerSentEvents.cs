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
        var json = JsonSerializer.SerializeToUtf8Bytes(value, OpenAiJson.Options);
        var body = response.Body;
        await body.WriteAsync(_prefix, cancellationToken).ConfigureAwait(false);
        await body.WriteAsync(json, cancellationToken).ConfigureAwait(false);
        await body.WriteAsync(_suffix, cancellationToken).ConfigureAwait(false);
        await body.FlushAsync(cancellationToken).ConfigureAwait(false);
    }

    public static async Task DoneAsync(HttpResponse response, CancellationToken cancellationToken)
    {
        await response.Body.WriteAsync(_done, cancellationToken).ConfigureAwait(false);
        await response.Body.FlushAsync(cancellationToken).ConfigureAwait(false);
    }
}
