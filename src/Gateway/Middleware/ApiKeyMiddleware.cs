using System.Security.Cryptography;
using System.Text;
using FineTuneMesh.ServiceDefaults;
using Microsoft.Extensions.Options;

namespace FineTuneMesh.Gateway.Middleware;

/// <summary>
/// Rejects requests without the configured API key (<see cref="GatewayOptions.ApiKey"/>) with a
/// 401 problem+json, or for a gRPC call with the gRPC status UNAUTHENTICATED (gRPC clients send
/// the key as <c>authorization: Bearer</c> or <c>x-api-key</c> metadata). Health probes stay open;
/// with no key configured every request passes.
/// </summary>
public sealed class ApiKeyMiddleware(RequestDelegate next, IOptionsMonitor<GatewayOptions> options)
{
    public const string ApiKeyHeader = "X-Api-Key";
    private const string BearerPrefix = "Bearer ";

    public async Task InvokeAsync(HttpContext context)
    {
        var expected = options.CurrentValue.ApiKey;
        if (string.IsNullOrEmpty(expected) || HealthEndpoints.IsProbe(context.Request.Path.Value) || Matches(PresentedKey(context.Request), expected))
        {
            await next(context);
            return;
        }

        var message = $"A valid API key is required: send 'Authorization: Bearer <key>' or '{ApiKeyHeader}: <key>'.";
        if (context.Request.ContentType?.StartsWith("application/grpc", StringComparison.OrdinalIgnoreCase) == true)
        {
            // A trailers-only gRPC response: HTTP 200 with the status in the headers.
            context.Response.ContentType = "application/grpc";
            context.Response.Headers["grpc-status"] = "16";
            context.Response.Headers["grpc-message"] = Uri.EscapeDataString(message);
            return;
        }

        context.Response.Headers.WWWAuthenticate = "Bearer";
        await TypedResults.Problem(
                statusCode: StatusCodes.Status401Unauthorized,
                title: "Unauthorized",
                detail: message)
            .ExecuteAsync(context);
    }

    private static string? PresentedKey(HttpRequest request)
    {
        string? authorization = request.Headers.Authorization;
        if (authorization is not null && authorization.StartsWith(BearerPrefix, StringComparison.OrdinalIgnoreCase))
        {
            return authorization[BearerPrefix.Length..].Trim();
        }

        string? apiKey = request.Headers[ApiKeyHeader];
        return apiKey?.Trim();
    }

    // Hashing first makes the comparison constant-time whatever the lengths.
    private static bool Matches(string? presented, string expected) =>
        presented is not null
        && CryptographicOperations.FixedTimeEquals(
            SHA256.HashData(Encoding.UTF8.GetBytes(presented)),
            SHA256.HashData(Encoding.UTF8.GetBytes(expected)));
}
