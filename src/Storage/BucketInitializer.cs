using Microsoft.Extensions.Hosting;

namespace FineTuneMesh.Storage;

/// <summary>Creates the mesh's buckets before the service takes work, whichever service starts first.</summary>
public sealed class BucketInitializer(ArtifactStore store) : IHostedService
{
    public Task StartAsync(CancellationToken cancellationToken) => store.EnsureBucketsAsync(MeshBuckets.All, cancellationToken);

    public Task StopAsync(CancellationToken cancellationToken) => Task.CompletedTask;
}
