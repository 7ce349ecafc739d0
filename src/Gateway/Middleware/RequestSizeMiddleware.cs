using Microsoft.AspNetCore.Http.Features;
using Microsoft.Extensions.Options;

namespace FineTuneMesh.Gateway.Middleware;

/// <summary>
/// Refuses a body larger than <see cref="GatewayOptions.MaxRequestBytes"/> at the door with a 413
/// that gives the limit. Left to the backend, an oversize upload would be cut off mid-proxy and
/// reach the client as a bare 502.
/// </summary>
public sealed class RequestSizeMiddleware(RequestDelegate next, IOptionsMonitor<GatewayOptions> options)
{
    public async Task InvokeAsync(HttpContext context)
    {
        var limit = options.CurrentValue.MaxRequestBytes;
        if (context.Request.ContentLength > limit)
        {
            await TypedResults.Problem(
                    statusCode: StatusCodes.Status413PayloadTooLarge,
                    title: "Payload too large",
                    detail: $"the body is larger than the limit of {limit} bytes; store large datasets in object storage and name them by key.")
                .ExecuteAsync(context);
            return;
        }

        // Bodies without a Content-Length (chunked) are cut at the same limit by Kestrel.
        if (context.Features.Get<IHttpMaxRequestBodySizeFeature>() is { IsReadOnly: false } feature)
        {
            feature.MaxRequestBodySize = limit;
        }

        await next(context);
    }
}
