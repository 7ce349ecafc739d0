using System.Text.RegularExpressions;
using FineTuneMesh.Core;
using FineTuneMesh.Core.Lora;
using Microsoft.Extensions.Options;

namespace FineTuneMesh.Inference.Service.Models;

/// <summary>
/// The PEFT adapters under <see cref="InferenceOptions.AdaptersRoot"/>, one subfolder per name.
/// A loaded adapter gets its own copy of the base model with the adapter applied, so generations
/// with and without it never share modules; at most <see cref="InferenceOptions.MaxLoadedAdapters"/>
/// stay loaded, the least recently used going first.
/// </summary>
public sealed partial class AdapterRegistry(ModelHost host, IOptions<InferenceOptions> options, ILogger<AdapterRegistry> logger)
    : IDisposable
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

    /// <summary>The folder of a named adapter; throws for malformed names and missing folders.</summary>
    /// <exception cref="ArgumentException">The name is empty, too long or could leave the root.</exception>
    /// <exception cref="AdapterNotFoundException">No such adapter folder.</exception>
    public string FolderOf(string name)
    {
        if (string.IsNullOrEmpty(name) || name.Length > 128 || !NamePattern().IsMatch(name))
        {
            throw new ArgumentException(
                $"'{name}' is not a valid adapter name: use letters, digits, '.', '_' and '-', starting with a letter or digit.");
        }

        var root = Root ?? throw new AdapterNotFoundException($"adapter '{name}' not found: no adapters root is configured (Inference:AdaptersRoot).");
        var folder = Path.GetFullPath(Path.Combine(root, name));
        if (!string.Equals(Path.GetDirectoryName(folder), root.TrimEnd(Path.DirectorySeparatorChar), StringComparison.Ordinal))
        {
            throw new ArgumentException($"'{name}' is not a valid adapter name.");
        }

        return Directory.Exists(folder) ? folder : throw new AdapterNotFoundException($"adapter '{name}' not found under the adapters root.");
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

        var folder = FolderOf(name);
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

            var model = await Task.Run(() => LoadModel(folder), cancellationToken).ConfigureAwait(false);
            var adapter = new LoadedAdapter(name, model);
            var leased = adapter.TryLease()!;
            LoadedAdapter? evicted = null;
            lock (_gate)
            {
                if (_loaded.Count >= options.Value.MaxLoadedAdapters)
                {
                    evicted = _loaded.Values.MinBy(a => a.LastUsed);
                    _loaded.Remove(evicted!.Name);
                }

                _loaded[name] = adapter;
            }

            if (evicted is not null)
            {
                evicted.Evict();
                Log.AdapterUnloaded(logger, evicted.Name);
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

    private ModelLease? TryLeaseLoaded(string name)
    {
        lock (_gate)
        {
            return _loaded.TryGetValue(name, out var adapter) ? adapter.TryLease() : null;
        }
    }

    private LanguageModel LoadModel(string folder)
    {
        var model = LanguageModel.Load(host.Model.Folder, host.DType);
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
            return new AdapterDescription(name, loaded, 0, 0, [], e.Message);
        }
    }

    [GeneratedRegex("^[A-Za-z0-9][A-Za-z0-9._-]*$")]
    private static partial Regex NamePattern();
}
