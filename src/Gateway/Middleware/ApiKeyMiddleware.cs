using System.Security.Cryptography;
using System.Text;
using FineTuneMesh.ServiceDefaults;
using Microsoft.Extensions.Options;

namespace FineTuneMesh.Gateway.Middleware;

/// <summary>
/// Rejects requests without the configured API key (<see cref="GatewayOptions.ApiKey"/>) with a
/// 401 problem+json. Health probes stay open; with no key configured every request passes.
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

        context.Response.Headers.WWWAuthenticate = "Bearer";
        await TypedResults.Problem(
                statusCode: StatusCodes.Status401Unauthorized,
                title: "Unauthorized",
                detail: $"A valid API key is required: send 'Authorization: Bearer <key>' or '{ApiKeyHeader}: <key>'.")
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
