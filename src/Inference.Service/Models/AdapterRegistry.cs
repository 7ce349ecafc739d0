using System.Text.RegularExpressions;
using FineTuneMesh.BaseModels;
using FineTuneMesh.Core;
using FineTuneMesh.Core.Lora;
using FineTuneMesh.Mesh.Adapters;
using FineTuneMesh.ServiceDefaults;
using Microsoft.Extensions.Options;

namespace FineTuneMesh.Inference.Service.Models;

/// <summary>
/// The PEFT adapters this server can serve: subfolders of <see cref="InferenceOptions.AdaptersRoot"/>,
/// and (when object storage is configured) every adapter the trainers published, newest version,
/// fetched on first use. A loaded adapter wraps its own modules around the base model's weights
/// (shared in memory, not copied), so generations with and without it never share modules; at
/// most <see cref="InferenceOptions.MaxLoadedAdapters"/> stay loaded and their weights stay under
/// <see cref="InferenceOptions.MaxAdapterMemoryMB"/>, the least recently used going first.
/// </summary>
public sealed partial class AdapterRegistry(ModelHost host, IOptions<InferenceOptions> options, ILogger<AdapterRegistry> logger,
    StoredAdapters? stored = null) : IDisposable
{
    private readonly Lock _gate = new();
    private readonly SemaphoreSlim _loading = new(1, 1);
    private readonly Dictionary<string, LoadedAdapter> _loaded = new(StringComparer.Ordinal);

    public string? Root => options.Value.AdaptersRoot is { Length: > 0 } root ? Path.GetFullPath(root) : null;

    /// <summary>Every subfolder of the root, loaded or not, by name.</summary>
    public IReadOnlyList<AdapterDescription> List()
    {
        var root = Root;
        if (root is null || !Directory.Exists(root))
        {
            return [];
        }

        return [.. Directory.EnumerateDirectories(root)
            .Select(Path.GetFileName)
            .Where(name => name is not null && NamePattern().IsMatch(name))
            .Order(StringComparer.Ordinal)
            .Select(name => Describe(name!))];
    }

    /// <summary>The local adapters, then those in object storage (a local folder of the same name wins).</summary>
    public async Task<IReadOnlyList<AdapterDescription>> ListAllAsync(CancellationToken cancellationToken)
    {
        var local = List();
        if (stored is null)
        {
            return local;
        }

        var names = local.Select(a => a.Name).ToHashSet(StringComparer.Ordinal);
        var manifests = (await stored.ListAsync(cancellationToken).ConfigureAwait(false)).Where(m => !names.Contains(m.Name)).ToList();
        var fromStorage = manifests.Select(m => new AdapterDescription(m.Name, IsLoaded(m.Name), m.Lora.Rank, m.Lora.Alpha,
            m.Lora.ToSettings().ResolvedTargets, CompatibilityProblem(m)));
        // Each alias is a model of its own (name:alias), described by its adapter's newest settings.
        var aliases = (await stored.AliasesAsync(cancellationToken).ConfigureAwait(false))
            .Join(manifests, a => a.Name, m => m.Name, (a, m) => new AdapterDescription($"{a.Name}:{a.Alias}", IsLoaded($"{a.Name}:v{a.Version}"),
                m.Lora.Rank, m.Lora.Alpha, m.Lora.ToSettings().ResolvedTargets, CompatibilityProblem(m)));
        return [.. local.Concat(fromStorage).Concat(aliases).OrderBy(a => a.Name, StringComparer.Ordinal)];
    }

    /// <summary>
    /// Throws for a malformed name, and, when adapters come only from the local root, for a name
    /// with no folder. With object storage, an unknown name is found out on loading.
    /// </summary>
    /// <exception cref="ArgumentException">The name is empty, too long or could leave the root.</exception>
    /// <exception cref="AdapterNotFoundException">No such adapter.</exception>
    public void Validate(string name)
    {
        if (name.Contains(':', StringComparison.Ordinal))
        {
            _ = AdapterReference.TryParse(name) ?? throw new ArgumentException(
                $"'{name}' is not a valid adapter name: use name, name:vN (a version) or name:alias.");
            _ = stored ?? throw new AdapterNotFoundException($"adapter '{name}' not found: versions and aliases live in object storage, which is not configured.");
            return;
        }

        try
        {
            FolderOf(name);
        }
        catch (AdapterNotFoundException) when (stored is not null)
        {
            // It may be in object storage.
        }
    }

    /// <summary>Replaces a loaded adapter by its newest version: called when a trainer publishes one.</summary>
    public async Task RefreshAsync(string name, int version, CancellationToken cancellationToken)
    {
        LoadedAdapter? current;
        lock (_gate)
        {
            _loaded.TryGetValue(name, out current);
        }

        if (current is { Version: { } loadedVersion } && loadedVersion >= version)
        {
            return;
        }

        Unload(name);
        using var lease = await AcquireAsync(name, cancellationToken).ConfigureAwait(false);
    }

    /// <summary>The folder of a named adapter; throws for malformed names and missing folders.</summary>
    /// <exception cref="ArgumentException">The name is empty, too long or could leave the root.</exception>
    /// <exception cref="AdapterNotFoundException">No such adapter folder.</exception>
    public string FolderOf(string name) => FolderOf(name, allowMissing: false)!;

    private string? FolderOf(string name, bool allowMissing)
    {
        if (string.IsNullOrEmpty(name) || name.Length > 128 || !NamePattern().IsMatch(name))
        {
            throw new ArgumentException(
                $"'{name}' is not a valid adapter name: use letters, digits, '.', '_' and '-', starting with a letter or digit.");
        }

        var root = Root;
        if (root is null)
        {
            return allowMissing ? null : throw new AdapterNotFoundException($"adapter '{name}' not found: no adapters root is configured (Inference:AdaptersRoot).");
        }

        var folder = Path.GetFullPath(Path.Combine(root, name));
        if (!string.Equals(Path.GetDirectoryName(folder), root.TrimEnd(Path.DirectorySeparatorChar), StringComparison.Ordinal))
        {
            throw new ArgumentException($"'{name}' is not a valid adapter name.");
        }

        return Directory.Exists(folder) ? folder
            : allowMissing ? null
            : throw new AdapterNotFoundException($"adapter '{name}' not found under the adapters root.");
    }

    /// <summary>Loads the adapter unless it is loaded already.</summary>
    public async Task<AdapterDescription> LoadAsync(string name, CancellationToken cancellationToken)
    {
        using var lease = await AcquireAsync(name, cancellationToken).ConfigureAwait(false);
        return Describe(name);
    }

    /// <summary>False when the adapter was not loaded. Generations already running finish first.</summary>
    public bool Unload(string name)
    {
        LoadedAdapter? adapter;
        lock (_gate)
        {
            if (!_loaded.Remove(name, out adapter))
            {
                return false;
            }
        }

        adapter.Evict();
        Log.AdapterUnloaded(logger, name);
        return true;
    }

    /// <summary>The base model for an empty name, otherwise the adapter's model, loaded on demand.</summary>
    public async Task<ModelLease> AcquireAsync(string? name, CancellationToken cancellationToken)
    {
        if (string.IsNullOrEmpty(name))
        {
            return new ModelLease(host.Model, release: null);
        }

        // A version or an alias is read now, once: the generation keeps the version it started with,
        // whatever the alias points at later.
        var (key, adapterName, version) = await ResolveAsync(name, cancellationToken).ConfigureAwait(false);
        name = key;
        if (TryLeaseLoaded(name) is { } lease)
        {
            return lease;
        }

        await _loading.WaitAsync(cancellationToken).ConfigureAwait(false);
        try
        {
            if (TryLeaseLoaded(name) is { } loadedMeanwhile)
            {
                return loadedMeanwhile;
            }

            var (folder, located, template) = await LocateAsync(adapterName, version, cancellationToken).ConfigureAwait(false);
            var model = await Task.Run(() => LoadModel(folder), cancellationToken).ConfigureAwait(false);
            var adapter = new LoadedAdapter(name, model, located, WeightsBytes(folder), TemplateTail.ExpectedTexts(template));
            var leased = adapter.TryLease()!;
            var evicted = new List<LoadedAdapter>();
            lock (_gate)
            {
                // Least recently used first, until one more fits under both caps.
                var capBytes = (long)options.Value.MaxAdapterMemoryMB << 20;
                while (_loaded.Count > 0 && (_loaded.Count >= options.Value.MaxLoadedAdapters
                    || _loaded.Values.Sum(a => a.Bytes) + adapter.Bytes > capBytes))
                {
                    var oldest = _loaded.Values.MinBy(a => a.LastUsed)!;
                    _loaded.Remove(oldest.Name);
                    evicted.Add(oldest);
                }

                _loaded[name] = adapter;
            }

            foreach (var old in evicted)
            {
                old.Evict();
                Log.AdapterUnloaded(logger, old.Name);
            }

            Log.AdapterLoaded(logger, name, folder);
            return leased;
        }
        finally
        {
            _loading.Release();
        }
    }

    public void Dispose()
    {
        lock (_gate)
        {
            foreach (var adapter in _loaded.Values)
            {
                adapter.Evict();
            }

            _loaded.Clear();
        }

        _loading.Dispose();
    }

    /// <summary>
    /// What a requested name loads as: a plain name is itself (its newest version); <c>name:vN</c>
    /// and <c>name:alias</c> (resolved now) are keyed <c>name:vN</c>, so each version loads once.
    /// </summary>
    private async Task<(string Key, string Name, int? Version)> ResolveAsync(string requested, CancellationToken cancellationToken)
    {
        if (!requested.Contains(':', StringComparison.Ordinal))
        {
            FolderOf(requested, allowMissing: stored is not null);
            return (requested, requested, null);
        }

        Validate(requested);
        var reference = AdapterReference.TryParse(requested)!;
        var version = reference.Version
            ?? await stored!.ResolveAsync(reference.Name, reference.Alias!, cancellationToken).ConfigureAwait(false)
            ?? throw new AdapterNotFoundException($"adapter '{reference.Name}' has no alias '{reference.Alias}'.");
        return ($"{reference.Name}:v{version}", reference.Name, version);
    }

    /// <summary>A local folder first (for a plain name), else the version (the newest when null) in object storage, downloaded and checked.</summary>
    private async Task<(string Folder, int? Version, string? Template)> LocateAsync(string name, int? version, CancellationToken cancellationToken)
    {
        if (version is null && FolderOf(name, allowMissing: true) is { } local)
        {
            return (local, null, null);
        }

        if (stored is not null && await stored.FetchAsync(name, version, cancellationToken).ConfigureAwait(false) is var (folder, manifest))
        {
            if (CompatibilityProblem(manifest) is { } problem)
            {
                throw new ArgumentException(problem);
            }

            return (folder, manifest.Version, manifest.Template);
        }

        throw new AdapterNotFoundException(version is { } v
            ? $"adapter '{name}' has no version {v} in object storage."
            : $"adapter '{name}' not found under the adapters root or in object storage.");
    }

    /// <summary>Why an adapter cannot go on this server's base model, or null when it can.</summary>
    private string? CompatibilityProblem(AdapterManifest manifest) =>
        host.Info?.BaseName is { } served && !string.Equals(manifest.BaseModel, served, StringComparison.Ordinal)
            ? $"adapter '{manifest.Name}' v{manifest.Version} was trained on '{manifest.BaseModel}', but this server serves '{served}'."
            : null;

    private bool IsLoaded(string name)
    {
        lock (_gate)
        {
            return _loaded.ContainsKey(name);
        }
    }

    private static long WeightsBytes(string folder) =>
        File.Exists(Path.Combine(folder, AdapterFiles.WeightsFileName)) ? new FileInfo(Path.Combine(folder, AdapterFiles.WeightsFileName)).Length : 0;

    private ModelLease? TryLeaseLoaded(string name)
    {
        lock (_gate)
        {
            return _loaded.TryGetValue(name, out var adapter) ? adapter.TryLease() : null;
        }
    }

    private LanguageModel LoadModel(string folder)
    {
        // The base weights are shared, not copied: the adapter only adds its own small matrices.
        var model = host.Model.ShareWeights();
        try
        {
            AdapterFiles.Load(folder, model.Network);
            model.Network.eval();
            return model;
        }
        catch
        {
            model.Dispose();
            throw;
        }
    }

    private AdapterDescription Describe(string name)
    {
        bool loaded;
        lock (_gate)
        {
            loaded = _loaded.ContainsKey(name);
        }

        var folder = Path.Combine(Root!, name);
        try
        {
            var settings = AdapterFiles.ReadConfig(folder).ToSettings(Path.Combine(folder, AdapterConfig.FileName));
            return new AdapterDescription(name, loaded, settings.Rank, settings.Alpha, settings.ResolvedTargets, null);
        }
        catch (Exception e) when (e is IOException or InvalidDataException or NotSupportedException or UnauthorizedAccessException)
        {
            return new AdapterDescription(name, loaded, 0, 0, [], ServerPaths.Redact(e.Message));
        }
    }

    [GeneratedRegex("^[A-Za-z0-9][A-Za-z0-9._-]*$")]
    private static partial Regex NamePattern();
}
