using FineTuneMesh.Mesh.Jobs;

namespace FineTuneMesh.Storage;

/// <summary>
/// Training job records in the jobs bucket, one JSON object per job, and cancellation requests
/// beside them (<c>cancellations/{id}.json</c>): a request never rewrites the record a worker owns,
/// so it cannot undo what the worker wrote meanwhile.
/// </summary>
public sealed class JobStore(ArtifactStore store)
{
    private const string Prefix = "training/";
    private const string CancellationPrefix = "cancellations/";

    public Task RequestCancelAsync(string id, CancellationToken cancellationToken = default) =>
        store.PutJsonAsync(MeshBuckets.Jobs, $"{CancellationPrefix}{id}.json", new { jobId = id, at = DateTimeOffset.UtcNow }, cancellationToken);

    public async Task<bool> CancelRequestedAsync(string id, CancellationToken cancellationToken = default) =>
        await store.GetBytesAsync(MeshBuckets.Jobs, $"{CancellationPrefix}{id}.json", cancellationToken) is not null;

    public Task<JobRecord?> GetAsync(string id, CancellationToken cancellationToken = default) =>
        store.GetJsonAsync<JobRecord>(MeshBuckets.Jobs, Key(id), cancellationToken);

    public Task SaveAsync(JobRecord record, CancellationToken cancellationToken = default) =>
        store.PutJsonAsync(MeshBuckets.Jobs, Key(record.Id), record, cancellationToken);

    public Task DeleteAsync(string id, CancellationToken cancellationToken = default) =>
        store.DeleteAsync(MeshBuckets.Jobs, Key(id), cancellationToken);

    /// <summary>The newest <paramref name="limit"/> jobs, newest first.</summary>
    public async Task<IReadOnlyList<JobRecord>> ListAsync(int limit, CancellationToken cancellationToken = default)
    {
        var records = new List<JobRecord>();
        foreach (var key in await store.ListKeysAsync(MeshBuckets.Jobs, Prefix, cancellationToken))
        {
            if (await store.GetJsonAsync<JobRecord>(MeshBuckets.Jobs, key, cancellationToken) is { } record)
            {
                records.Add(record);
            }
        }

        return [.. records.OrderByDescending(r => r.CreatedAt).Take(limit)];
    }

    private static string Key(string id) => $"{Prefix}{id}.json";
}
