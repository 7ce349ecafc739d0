using System.Net.Sockets;
using Microsoft.Extensions.Diagnostics.HealthChecks;

namespace FineTuneMesh.AppHost.Infrastructure;

/// <summary>Healthy once the endpoint accepts a TCP connection: the server is listening, so clients can start.</summary>
public sealed class TcpHealthCheck(EndpointReference endpoint) : IHealthCheck
{
    public async Task<HealthCheckResult> CheckHealthAsync(HealthCheckContext context, CancellationToken cancellationToken = default)
    {
        if (!endpoint.IsAllocated)
        {
            return HealthCheckResult.Unhealthy("no port allocated yet");
        }

        try
        {
            using var client = new TcpClient();
            await client.ConnectAsync(endpoint.Host, endpoint.Port, cancellationToken);
            return HealthCheckResult.Healthy();
        }
        catch (SocketException e)
        {
            return HealthCheckResult.Unhealthy($"{endpoint.Host}:{endpoint.Port} does not accept connections: {e.Message}");
        }
    }
}
