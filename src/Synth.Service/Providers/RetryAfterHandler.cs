using System.Globalization;
using System.Net.Http.Headers;

namespace FineTuneMesh.Synth.Service.Providers;

/// <summary>
/// Reads <c>retry-after-ms</c> (OpenAI) or <c>Retry-After</c> (seconds or an HTTP date) from 429 and 5xx
/// responses into <see cref="RetryAfterCapture"/>.
/// </summary>
public sealed class RetryAfterHandler(TimeProvider timeProvider) : DelegatingHandler
{
    protected override async Task<HttpResponseMessage> SendAsync(HttpRequestMessage request, CancellationToken cancellationToken)
    {
        var response = await base.SendAsync(request, cancellationToken);
        var status = (int)response.StatusCode;
        if ((status == 429 || status >= 500) && Parse(response.Headers, timeProvider.GetUtcNow()) is { } delay)
        {
            RetryAfterCapture.Record(delay);
        }

        return response;
    }

    public static TimeSpan? Parse(HttpResponseHeaders headers, DateTimeOffset now)
    {
        if (headers.TryGetValues("retry-after-ms", out var ms)
            && double.TryParse(ms.FirstOrDefault(), NumberStyles.Float, CultureInfo.InvariantCulture, out var milliseconds)
            && milliseconds >= 0)
        {
            return TimeSpan.FromMilliseconds(milliseconds);
        }

        if (headers.RetryAfter is { } retryAfter)
        {
            if (retryAfter.Delta is { } delta)
            {
                return delta;
            }

            if (retryAfter.Date is { } date)
            {
                var wait = date - now;
                return wait > TimeSpan.Zero ? wait : TimeSpan.Zero;
            }
        }

        return null;
    }
}
