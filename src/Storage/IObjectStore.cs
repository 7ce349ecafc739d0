namespace FineTuneMesh.Storage;

/// <summary>The little of object storage the synthesis service needs: put and get bytes by bucket and key.</summary>
public interface IObjectStore
{
    Task PutAsync(string bucket, string key, ReadOnlyMemory<byte> bytes, string contentType, CancellationToken cancellationToken);

    /// <summary>The object's bytes, or null when there is no such object.</summary>
    Task<byte[]?> GetAsync(string bucket, string key, CancellationToken cancellationToken);
}
