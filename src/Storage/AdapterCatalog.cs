using System.Globalization;
using System.Security.Cryptography;
using FineTuneMesh.Mesh;
using FineTuneMesh.Mesh.Adapters;

namespace FineTuneMesh.Storage;

/// <summary>
/// Adapter versions in the adapters bucket: <c>{name}/v{N}/</c> holds the PEFT files, the run
/// report and manifest.json; <c>{name}/latest.json</c> is a copy of the newest manifest. A version
/// is immutable once its manifest is written; downloads check every file's SHA-256. A publisher
/// first claims its version number (<c>{name}/v{N}/claim</c>, created only if absent), so two
/// trainers publishing one name at once get distinct versions. Aliases (<c>{name}/aliases/{alias}.json</c>)
/// point at versions and move.
/// </summary>
public sealed class AdapterCatalog(ArtifactStore store)
{
    public const string ManifestFile = "manifest.json";
    private const string LatestFile = "latest.json";
    private const string ClaimFile = "claim";

    /// <summary>Uploads every file of <paramref name="folder"/> as the next version of the adapter.</summary>
    public async Task<AdapterManifest> PublishAsync(string folder, Func<int, IReadOnlyList<AdapterFile>, AdapterManifest> describe,
        string name, CancellationToken cancellationToken = default)
    {
        var version = await ClaimNextVersionAsync(name, cancellationToken);
        var files = new List<AdapterFile>();
        foreach (var path in Directory.GetFiles(folder).Order(StringComparer.Ordinal))
        {
            var stored = await store.PutFileAsync(MeshBuckets.Adapters, AdapterManifest.VersionPrefix(name, version) + Path.GetFileName(path), path, cancellationToken);
            files.Add(new AdapterFile(Path.GetFileName(path), stored.Size, stored.Sha256));
        }

        var manifest = describe(version, files);
        await store.PutJsonAsync(MeshBuckets.Adapters, AdapterManifest.VersionPrefix(name, version) + ManifestFile, manifest, cancellationToken);
        await UpdateLatestAsync(name, cancellationToken);
        return manifest;
    }

    /// <summary>The manifest of a version, or of the newest one when <paramref name="version"/> is null; null when unknown.</summary>
    public Task<AdapterManifest?> GetAsync(string name, int? version = null, CancellationToken cancellationToken = default) =>
        store.GetJsonAsync<AdapterManifest>(MeshBuckets.Adapters,
            version is { } v ? AdapterManifest.VersionPrefix(name, v) + ManifestFile : $"{name}/{LatestFile}", cancellationToken);

    /// <summary>The newest manifest of every adapter.</summary>
    public async Task<IReadOnlyList<AdapterManifest>> ListAsync(CancellationToken cancellationToken = default)
    {
        var manifests = new List<AdapterManifest>();
        foreach (var key in await store.ListKeysAsync(MeshBuckets.Adapters, "", cancellationToken))
        {
            if (key.EndsWith("/" + LatestFile, StringComparison.Ordinal)
                && await store.GetJsonAsync<AdapterManifest>(MeshBuckets.Adapters, key, cancellationToken) is { } manifest)
            {
                manifests.Add(manifest);
            }
        }

        return [.. manifests.OrderBy(m => m.Name, StringComparer.Ordinal)];
    }

    /// <summary>Every version of one adapter, oldest first.</summary>
    public async Task<IReadOnlyList<int>> VersionsAsync(string name, CancellationToken cancellationToken = default) =>
        [.. (await store.ListKeysAsync(MeshBuckets.Adapters, name + "/v", cancellationToken))
            .Where(key => key.EndsWith("/" + ManifestFile, StringComparison.Ordinal))
            .Select(key => int.Parse(key[(name.Length + 2)..key.IndexOf('/', name.Length + 2)], CultureInfo.InvariantCulture))
            .Order()];

    /// <summary>Points the alias at a version (which must exist; null when it does not), remembering where it pointed before.</summary>
    public async Task<AdapterAlias?> SetAliasAsync(string name, string alias, int version, CancellationToken cancellationToken = default)
    {
        if (await GetAsync(name, version, cancellationToken) is null)
        {
            return null;
        }

        var previous = await GetAliasAsync(name, alias, cancellationToken);
        var moved = new AdapterAlias(name, alias, version, previous?.Version == version ? previous.PreviousVersion : previous?.Version, DateTimeOffset.UtcNow);
        await store.PutJsonAsync(MeshBuckets.Adapters, AliasKey(name, alias), moved, cancellationToken);
        return moved;
    }

    public Task<AdapterAlias?> GetAliasAsync(string name, string alias, CancellationToken cancellationToken = default) =>
        store.GetJsonAsync<AdapterAlias>(MeshBuckets.Adapters, AliasKey(name, alias), cancellationToken);

    public Task DeleteAliasAsync(string name, string alias, CancellationToken cancellationToken = default) =>
        store.DeleteAsync(MeshBuckets.Adapters, AliasKey(name, alias), cancellationToken);

    /// <summary>The aliases of one adapter, or of every adapter when <paramref name="name"/> is null.</summary>
    public async Task<IReadOnlyList<AdapterAlias>> AliasesAsync(string? name = null, CancellationToken cancellationToken = default)
    {
        var aliases = new List<AdapterAlias>();
        foreach (var key in (await store.ListKeysAsync(MeshBuckets.Adapters, name is null ? "" : name + "/", cancellationToken))
                     .Where(k => k.Contains("/aliases/", StringComparison.Ordinal) && k.EndsWith(".json", StringComparison.Ordinal)))
        {
            if (await store.GetJsonAsync<AdapterAlias>(MeshBuckets.Adapters, key, cancellationToken) is { } alias)
            {
                aliases.Add(alias);
            }
        }

        return [.. aliases.OrderBy(a => a.Name, StringComparer.Ordinal).ThenBy(a => a.Alias, StringComparer.Ordinal)];
    }

    /// <summary>Downloads the version's files into <paramref name="folder"/>, each checked against the manifest.</summary>
    public async Task DownloadAsync(AdapterManifest manifest, string folder, CancellationToken cancellationToken = default)
    {
        Directory.CreateDirectory(folder);
        foreach (var file in manifest.Files)
        {
            StoredNames.RequirePlainFileName(file.Name, $"the manifest of {manifest.Name} v{manifest.Version}");
            var key = manifest.Prefix + file.Name;
            var bytes = await store.GetBytesAsync(MeshBuckets.Adapters, key, cancellationToken)
                ?? throw new FileNotFoundException($"s3://{MeshBuckets.Adapters}/{key} is listed in the manifest of {manifest.Name} v{manifest.Version} but missing.");
            var sha256 = Convert.ToHexStringLower(SHA256.HashData(bytes));
            if (sha256 != file.Sha256)
            {
                throw new InvalidDataException($"s3://{MeshBuckets.Adapters}/{key}: SHA-256 {sha256} does not match the manifest's {file.Sha256}.");
            }

            await File.WriteAllBytesAsync(Path.Combine(folder, file.Name), bytes, cancellationToken);
        }
    }

    private static string AliasKey(string name, string alias) => $"{name}/aliases/{alias}.json";

    /// <summary>
    /// The first version number above the published ones that this caller manages to claim; a
    /// number another publisher holds (its upload still running) is skipped.
    /// </summary>
    private async Task<int> ClaimNextVersionAsync(string name, CancellationToken cancellationToken)
    {
        var version = (await VersionsAsync(name, cancellationToken)).DefaultIfEmpty(0).Max() + 1;
        var claim = MeshJson.Serialize(new { worker = Environment.MachineName, process = Environment.ProcessId, at = DateTimeOffset.UtcNow });
        while (!await store.TryCreateAsync(MeshBuckets.Adapters, AdapterManifest.VersionPrefix(name, version) + ClaimFile, claim, cancellationToken))
        {
            version++;
        }

        return version;
    }

    /// <summary>
    /// Points latest.json at the newest published version. Publishers finishing out of order may
    /// overwrite each other, so each checks after its write and writes again until what it wrote
    /// is still the newest: the last check of all sees the newest version.
    /// </summary>
    private async Task UpdateLatestAsync(string name, CancellationToken cancellationToken)
    {
        var written = 0;
        for (var newest = (await VersionsAsync(name, cancellationToken)).Max(); newest != written;
             newest = (await VersionsAsync(name, cancellationToken)).Max())
        {
            if (await GetAsync(name, newest, cancellationToken) is not { } manifest)
            {
                return;
            }

            await store.PutJsonAsync(MeshBuckets.Adapters, $"{name}/{LatestFile}", manifest, cancellationToken);
            written = newest;
        }
    }
}
