using FineTuneMesh.Mesh;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;

namespace FineTuneMesh.Storage;

/// <summary>How a service joins the mesh's object storage: the store, what the mesh keeps in it, its buckets and health.</summary>
public static class StorageExtensions
{
    public static IHostApplicationBuilder AddArtifactStore(this IHostApplicationBuilder builder)
    {
        var connectionString = builder.Configuration.GetConnectionString(MeshConnections.Storage)
            ?? throw new InvalidOperationException(
                $"ConnectionStrings:{MeshConnections.Storage} is not set: the AppHost sets it, or set it to Endpoint=http://host:port;AccessKey=...;SecretKey=...");
        builder.Services.AddSingleton(new ArtifactStore(StorageConnection.Parse(connectionString)));
        builder.Services.AddSingleton<JobStore>();
        builder.Services.AddSingleton<SweepStore>();
        builder.Services.AddSingleton<AdapterCatalog>();
        builder.Services.AddSingleton<DatasetLibrary>();
        builder.Services.AddSingleton<CheckpointStore>();
        builder.Services.AddHostedService<BucketInitializer>();
        builder.Services.AddHealthChecks().AddCheck<StorageHealthCheck>(MeshConnections.Storage);
        return builder;
    }
}
