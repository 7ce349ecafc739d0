using FineTuneMesh.Mesh.Adapters;
using FineTuneMesh.Mesh.Jobs;
using FineTuneMesh.Mesh.Messaging;
using FineTuneMesh.Mesh.Models;
using FineTuneMesh.Mesh.Storage;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;

namespace FineTuneMesh.Mesh;

/// <summary>How a service joins the mesh: object storage, the broker, and base model resolution.</summary>
public static class MeshExtensions
{
    /// <summary>The connection string names the AppHost gives the S3 server and the broker.</summary>
    public const string StorageConnectionName = "storage";
    public const string MessagingConnectionName = "messaging";

    public static IHostApplicationBuilder AddArtifactStore(this IHostApplicationBuilder builder)
    {
        var connectionString = builder.Configuration.GetConnectionString(StorageConnectionName)
            ?? throw new InvalidOperationException(
                $"ConnectionStrings:{StorageConnectionName} is not set: the AppHost sets it, or set it to Endpoint=http://host:port;AccessKey=...;SecretKey=...");
        builder.Services.AddSingleton(new ArtifactStore(StorageConnection.Parse(connectionString)));
        builder.Services.AddSingleton<JobStore>();
        builder.Services.AddSingleton<AdapterCatalog>();
        builder.Services.AddSingleton<CheckpointStore>();
        builder.Services.AddHostedService<BucketInitializer>();
        builder.Services.AddHealthChecks().AddCheck<StorageHealthCheck>(StorageConnectionName);
        return builder;
    }

    /// <summary>RabbitMQ through Aspire's client (connection retries, health check, tracing), and our publisher.</summary>
    public static IHostApplicationBuilder AddMeshMessaging(this IHostApplicationBuilder builder)
    {
        builder.AddRabbitMQClient(MessagingConnectionName);
        builder.Services.AddSingleton<MeshPublisher>();
        return builder;
    }

    public static IHostApplicationBuilder AddBaseModels(this IHostApplicationBuilder builder)
    {
        builder.Services.AddSingleton<BaseModelResolver>();
        builder.Services.AddHostedService<BaseModelWarmup>();
        return builder;
    }
}
