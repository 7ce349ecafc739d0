
namespace FineTuneMesh.Storage;

/// <summary>The mesh's S3 artifact store (MinIO, s3rver, AWS), where every object carries and is checked against its SHA-256.</summary>
public sealed class ArtifactObjectStore(ArtifactStore store) : IObjectStore
{
    public async Task PutAsync(string bucket, string key, ReadOnlyMemory<byte> bytes, string contentType, CancellationToken cancellationToken) =>
        await store.PutBytesAsync(bucket, key, bytes, contentType, cancellationToken);

    public Task<byte[]?> GetAsync(string bucket, string key, CancellationToken cancellationToken) =>
        store.GetBytesAsync(bucket, key, cancellationToken);
}
