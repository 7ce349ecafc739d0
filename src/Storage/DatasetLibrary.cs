using System.Globalization;
using FineTuneMesh.Mesh;
using FineTuneMesh.Mesh.Datasets;

namespace FineTuneMesh.Storage;

/// <summary>
/// Named, versioned datasets in the datasets bucket: <c>library/{name}/v{N}.jsonl</c> with its
/// description beside it (<c>v{N}.json</c>). A writer first claims its version number
/// (<c>v{N}.claim</c>, created only if absent), so two saves of one name at once get distinct
/// versions, and a version is never overwritten.
/// </summary>
public sealed class DatasetLibrary(ArtifactStore store)
{
    public const string Prefix = "library/";

    /// <summary>The key a job names for a version.</summary>
    public static string KeyOf(string name, int version) => $"{Prefix}{name}/v{version}.jsonl";

    /// <summary>Stores <paramref name="jsonl"/> as the next version of <paramref name="name"/>.</summary>
    public async Task<DatasetVersion> SaveAsync(string name, ReadOnlyMemory<byte> jsonl, int records, CancellationToken cancellationToken = default)
    {
        var version = (await VersionNumbersAsync(name, cancellationToken)).DefaultIfEmpty(0).Max() + 1;
        var claim = MeshJson.Serialize(new { process = Environment.ProcessId, at = DateTimeOffset.UtcNow });
        while (!await store.TryCreateAsync(MeshBuckets.Datasets, $"{Prefix}{name}/v{version}.claim", claim, cancellationToken))
        {
            version++;
        }

        var stored = await store.PutBytesAsync(MeshBuckets.Datasets, KeyOf(name, version), jsonl, "application/jsonl", cancellationToken);
        var described = new DatasetVersion(name, version, stored.Key, records, stored.Size, stored.Sha256, DateTimeOffset.UtcNow);
        await store.PutJsonAsync(MeshBuckets.Datasets, $"{Prefix}{name}/v{version}.json", described, cancellationToken);
        return described;
    }

    /// <summary>Every named dataset with its complete versions (a save still uploading is left out).</summary>
    public async Task<IReadOnlyList<DatasetSummary>> ListAsync(CancellationToken cancellationToken = default)
    {
        var summaries = new List<DatasetSummary>();
        var keys = await store.ListKeysAsync(MeshBuckets.Datasets, Prefix, cancellationToken);
        foreach (var name in keys.Select(k => k[Prefix.Length..]).Where(k => k.Contains('/', StringComparison.Ordinal))
                     .Select(k => k[..k.IndexOf('/', StringComparison.Ordinal)]).Distinct(StringComparer.Ordinal).Order(StringComparer.Ordinal))
        {
            var versions = new List<DatasetVersion>();
            foreach (var key in keys.Where(k => k.StartsWith($"{Prefix}{name}/v", StringComparison.Ordinal) && k.EndsWith(".json", StringComparison.Ordinal)))
            {
                if (await store.GetJsonAsync<DatasetVersion>(MeshBuckets.Datasets, key, cancellationToken) is { } version)
                {
                    versions.Add(version);
                }
            }

            if (versions.Count > 0)
            {
                summaries.Add(new DatasetSummary(name, [.. versions.OrderBy(v => v.Version)]));
            }
        }

        return summaries;
    }

    private async Task<IEnumerable<int>> VersionNumbersAsync(string name, CancellationToken cancellationToken) =>
        (await store.ListKeysAsync(MeshBuckets.Datasets, $"{Prefix}{name}/v", cancellationToken))
            .Select(key => key[(Prefix.Length + name.Length + 2)..])
            .Select(rest => int.TryParse(rest[..rest.IndexOf('.', StringComparison.Ordinal)], NumberStyles.None, CultureInfo.InvariantCulture, out var v) ? v : 0);
}
