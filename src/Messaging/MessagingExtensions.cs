using FineTuneMesh.Mesh;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;

namespace FineTuneMesh.Messaging;

/// <summary>How a service joins the job bus.</summary>
public static class MessagingExtensions
{
    /// <summary>RabbitMQ through Aspire's client (connection retries, health check, tracing), and our publisher.</summary>
    public static IHostApplicationBuilder AddMeshMessaging(this IHostApplicationBuilder builder)
    {
        builder.AddRabbitMQClient(MeshConnections.Messaging);
        builder.Services.AddSingleton<MeshPublisher>();
        return builder;
    }
}
