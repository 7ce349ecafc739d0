namespace FineTuneMesh.Storage;

/// <summary>Objects as files under <c>{root}/{bucket}/{key}</c>: for a service running without object storage.</summary>
public sealed class FolderObjectStore(string root) : IObjectStore
{
    public string Root { get; } = root;

    public async Task PutAsync(string bucket, string key, ReadOnlyMemory<byte> bytes, string contentType, CancellationToken cancellationToken)
    {
        var path = PathOf(bucket, key);
        Directory.CreateDirectory(Path.GetDirectoryName(path)!);
        var temporary = path + ".tmp";
        await File.WriteAllBytesAsync(temporary, bytes, cancellationToken);
        File.Move(temporary, path, overwrite: true);
    }

    public async Task<byte[]?> GetAsync(string bucket, string key, CancellationToken cancellationToken)
    {
        var path = PathOf(bucket, key);
        return File.Exists(path) ? await File.ReadAllBytesAsync(path, cancellationToken) : null;
    }

    private string PathOf(string bucket, string key)
    {
        if (key.Contains("..", StringComparison.Ordinal) || Path.IsPathRooted(key) || bucket.Contains('/') || bucket.Contains(".."))
        {
            throw new ArgumentException($"'{bucket}/{key}' is not a safe object name.");
        }

        return Path.Combine(Root, bucket, key);
    }
}
