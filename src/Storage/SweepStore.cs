using System.Globalization;
using FineTuneMesh.Mesh;
using FineTuneMesh.Mesh.Sweeps;

namespace FineTuneMesh.Storage;

/// <summary>
/// Sweep records in the jobs bucket (<c>sweeps/{id}.json</c>) and, beside each, the early-stopping
/// decisions (<c>sweeps/{id}/rungs/{rung}/{jobId}.json</c>), each created once: the first
/// supervisor to decide a trial's rung holds it, and a second one reads what it decided.
/// </summary>
public sealed class SweepStore(ArtifactStore store)
{
    private const string Prefix = "sweeps/";

    public Task<SweepRecord?> GetAsync(string id, CancellationToken cancellationToken = default) =>
        store.GetJsonAsync<SweepRecord>(MeshBuckets.Jobs, $"{Prefix}{id}.json", cancellationToken);

    public Task SaveAsync(SweepRecord record, CancellationToken cancellationToken = default) =>
        store.PutJsonAsync(MeshBuckets.Jobs, $"{Prefix}{record.Id}.json", record, cancellationToken);

    /// <summary>Every sweep, newest first.</summary>
    public async Task<IReadOnlyList<SweepRecord>> ListAsync(CancellationToken cancellationToken = default)
    {
        var records = new List<SweepRecord>();
        foreach (var key in (await store.ListKeysAsync(MeshBuckets.Jobs, Prefix, cancellationToken))
                     .Where(k => k.EndsWith(".json", StringComparison.Ordinal) && k.IndexOf('/', Prefix.Length) < 0))
        {
            if (await store.GetJsonAsync<SweepRecord>(MeshBuckets.Jobs, key, cancellationToken) is { } record)
            {
                records.Add(record);
            }
        }

        return [.. records.OrderByDescending(r => r.CreatedAt)];
    }

    /// <summary>Records a trial's rung; false when another supervisor recorded it first (its decision stands).</summary>
    public Task<bool> TryRecordRungAsync(string sweepId, RungResult result, CancellationToken cancellationToken = default) =>
        store.TryCreateAsync(MeshBuckets.Jobs, RungKey(sweepId, result.Rung, result.JobId), MeshJson.Serialize(result), cancellationToken);

    /// <summary>Every rung result of the sweep.</summary>
    public async Task<IReadOnlyList<RungResult>> RungsAsync(string sweepId, CancellationToken cancellationToken = default)
    {
        var results = new List<RungResult>();
        // Only the decisions: a server without conditional writes keeps its claims beside them.
        foreach (var key in (await store.ListKeysAsync(MeshBuckets.Jobs, $"{Prefix}{sweepId}/rungs/", cancellationToken))
                     .Where(k => k.EndsWith(".json", StringComparison.Ordinal)))
        {
            if (await store.GetJsonAsync<RungResult>(MeshBuckets.Jobs, key, cancellationToken) is { } result)
            {
                results.Add(result);
            }
        }

        return results;
    }

    private static string RungKey(string sweepId, double rung, string jobId) =>
        $"{Prefix}{sweepId}/rungs/{rung.ToString("0.####", CultureInfo.InvariantCulture)}/{jobId}.json";
}
