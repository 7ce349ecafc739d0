using FineTuneMesh.BaseModels;
using FineTuneMesh.Mesh.Adapters;
using FineTuneMesh.Mesh.Jobs;
using FineTuneMesh.Storage;

namespace FineTuneMesh.Inference.Service.Models;

/// <summary>
/// Adapters published by the trainers to object storage, fetched on first use into a local cache
/// (<c>{model cache}/adapters/{name}/v{N}</c>, every file checked against its manifest hash) so a
/// version is downloaded once per machine.
/// </summary>
public sealed class StoredAdapters(AdapterCatalog catalog, IConfiguration configuration)
{
    private readonly string _cacheRoot = Path.Combine(ModelCache.Root(configuration), "adapters");

    public Task<IReadOnlyList<AdapterManifest>> ListAsync(CancellationToken cancellationToken) => catalog.ListAsync(cancellationToken);

    /// <summary>Every alias of every adapter, read fresh: a moved alias is seen by the next request on every replica.</summary>
    public Task<IReadOnlyList<AdapterAlias>> AliasesAsync(CancellationToken cancellationToken) => catalog.AliasesAsync(null, cancellationToken);

    /// <summary>The version an alias points at now; null when the adapter has no such alias.</summary>
    public async Task<int?> ResolveAsync(string name, string alias, CancellationToken cancellationToken) =>
        MeshNames.IsValid(name) && await catalog.GetAliasAsync(name, alias, cancellationToken) is { } found ? found.Version : null;

    /// <summary>A version's folder and manifest (the newest when <paramref name="version"/> is null); null when storage has no such adapter or version.</summary>
    public async Task<(string Folder, AdapterManifest Manifest)?> FetchAsync(string name, int? version, CancellationToken cancellationToken)
    {
        // The name comes from a request and becomes an object key and a folder: only mesh names pass.
        if (!MeshNames.IsValid(name) || await catalog.GetAsync(name, version, cancellationToken) is not { } manifest)
        {
            return null;
        }

        var folder = Path.Combine(_cacheRoot, name, $"v{manifest.Version}");
        if (!File.Exists(Path.Combine(folder, AdapterCatalog.ManifestFile)))
        {
            var staging = folder + ".tmp-" + Guid.NewGuid().ToString("N");
            await catalog.DownloadAsync(manifest, staging, cancellationToken);
            await File.WriteAllBytesAsync(Path.Combine(staging, AdapterCatalog.ManifestFile), Mesh.MeshJson.Serialize(manifest), cancellationToken);
            try
            {
                Directory.Move(staging, folder);
            }
            catch (IOException) when (Directory.Exists(folder))
            {
                // Fetched by a concurrent request first.
                Directory.Delete(staging, recursive: true);
            }
        }

        return (folder, manifest);
    }
}
