using FineTuneMesh.Core.Hub;
using FineTuneMesh.Core.Kernels;
using FineTuneMesh.Core.Modeling;
using FineTuneMesh.ServiceDefaults;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.Logging;
using static TorchSharp.torch;

namespace FineTuneMesh.BaseModels;

/// <summary>
/// Turns a base model name into a folder on this machine. The configured base model
/// (FINETUNE_BASE_MODEL) is resolved once: from the cache, else pulled from the Hub when it can be
/// reached, else the built-in tiny model stands in, loudly (a warning log, a degraded health check,
/// and <see cref="BaseModel.FallbackReason"/> in API responses). Other names must already be on
/// this machine: a job never starts a download of a model nobody configured.
/// </summary>
public sealed class BaseModelResolver(IConfiguration configuration, ILogger<BaseModelResolver> logger)
{
    private readonly Lazy<Task<BaseModel>> _configured = new(() => ResolveConfiguredCore(configuration, logger));
    private readonly IReadOnlyList<string> _roots = ModelRoots.From(configuration);

    public string CacheRoot => ModelCache.Root(configuration);

    /// <summary>The configured base model's name as users write it; <see cref="BuiltinModels.Tiny"/> when none is configured.</summary>
    public string ConfiguredName => configuration.GetBaseModel() ?? BuiltinModels.Tiny;

    /// <summary>
    /// The dtypes to load and compute <paramref name="model"/> in for <paramref name="work"/>: the built-in
    /// tiny model is made (and its adapters trained) in fp32; every other model as <paramref name="requested"/>
    /// (a job's dtype) or FINETUNE_DTYPE says, <c>auto</c> by default, chosen for this CPU.
    /// </summary>
    public ComputePlan ComputeFor(BaseModel model, ComputeWork work, string? requested = null) =>
        BuiltinModels.IsBuiltin(model.Name)
            ? new ComputePlan(requested ?? ComputePlan.Auto, ScalarType.Float32, ScalarType.Float32,
                "the built-in tiny model is made, and its adapters trained, in fp32", null)
            : ComputePlan.Choose(requested is { Length: > 0 } ? requested : configuration[FineTuneSettings.Dtype], work, CpuFeatures.Current);

    /// <summary>The configured base model, resolved on first call (which may download it).</summary>
    public Task<BaseModel> ConfiguredAsync() => _configured.Value;

    /// <summary>
    /// Resolves a base model a remote caller named (a job's <c>baseModel</c>). Null, empty or the
    /// configured name: the configured base. Otherwise only what the operator made available: the
    /// built-in tiny model, a Hugging Face repo id already in the model cache, or a model folder
    /// under FINETUNE_MODEL_ROOTS named relative to its root. A path is never taken from a caller,
    /// and no problem names a server folder.
    /// </summary>
    public async Task<(BaseModel? Model, string? Problem)> ResolveAsync(string? requested, string? revision)
    {
        if (string.IsNullOrWhiteSpace(requested) || string.Equals(requested, ConfiguredName, StringComparison.Ordinal))
        {
            return (await ConfiguredAsync(), null);
        }

        if (BuiltinModels.IsBuiltin(requested))
        {
            return (new BaseModel(BuiltinModels.Tiny, BuiltinModels.EnsureTiny(CacheRoot), null, null), null);
        }

        if (!ModelRoots.IsModelName(requested) || (revision is { Length: > 0 } && !ModelRoots.IsRevision(revision)))
        {
            return (null, $"base model '{requested}' is not allowed: {Allowed()}");
        }

        if (ModelReference.TryParse(requested, out var reference) && CachedSnapshot(reference!, requested, revision) is { } cached)
        {
            var provenance = ModelProvenance.Of(cached);
            return (new BaseModel(provenance.NameOrPath, cached, provenance.Revision, null), null);
        }

        if (ModelRoots.Find(_roots, requested) is { } folder)
        {
            return (new BaseModel(requested, folder, null, null), null);
        }

        return (null, $"unknown base model: '{requested}' is not available on this trainer; {Allowed()}");
    }

    private string Allowed() =>
        $"name the configured base model ('{ConfiguredName}'), '{BuiltinModels.Tiny}', a Hugging Face repo id in the model cache "
        + $"(owner/name[@revision], pulled by the operator with `finetunemesh model pull`), or a model folder under the model roots "
        + (_roots.Count == 0 ? $"({FineTuneSettings.ModelRoots}, none configured)" : $"({FineTuneSettings.ModelRoots}) by its name relative to the root")
        + "; paths are refused.";

    private string? CachedSnapshot(ModelReference reference, string requested, string? revision)
    {
        var pinned = requested.Contains('@') ? reference.Revision : revision is { Length: > 0 } ? revision : ModelReference.DefaultRevision;
        try
        {
            using var http = new HttpClient();
            return new HubClient(http, cacheRoot: CacheRoot).TryResolveCached(reference.RepoId, pinned);
        }
        catch (HubException)
        {
            return null;
        }
    }

    private static async Task<BaseModel> ResolveConfiguredCore(IConfiguration configuration, ILogger logger)
    {
        var cacheRoot = ModelCache.Root(configuration);
        var requested = configuration.GetBaseModel();
        if (requested is null || BuiltinModels.IsBuiltin(requested))
        {
            return new BaseModel(BuiltinModels.Tiny, BuiltinModels.EnsureTiny(cacheRoot), null,
                requested is null ? $"{FineTuneSettings.BaseModel} is not set" : null);
        }

        var revision = configuration[FineTuneSettings.BaseModelRevision];
        var (folder, problem) = LocalModels.Resolve(requested, revision, cacheRoot);
        if (folder is null && ModelReference.TryParse(requested, out var reference) && !ModelReference.IsLocalFolder(requested))
        {
            (folder, problem) = await TryPullAsync(reference!, revision, cacheRoot, problem, logger);
        }

        if (folder is not null)
        {
            var provenance = ModelProvenance.Of(folder);
            return new BaseModel(provenance.NameOrPath, folder, provenance.Revision, null);
        }

        var reason = $"the configured base model could not be loaded ({problem}); the built-in tiny model stands in, and its answers are noise";
        FallbackLog.UsingBuiltin(logger, requested, reason);
        return new BaseModel(BuiltinModels.Tiny, BuiltinModels.EnsureTiny(cacheRoot), null, reason);
    }

    private static async Task<(string? Folder, string? Problem)> TryPullAsync(ModelReference reference, string? revision,
        string cacheRoot, string? problem, ILogger logger)
    {
        try
        {
            using var http = HubClient.CreateHttpClient(TimeSpan.FromSeconds(15));
            var hub = new HubClient(http, HubClient.DefaultEndpointFromEnvironment(), Environment.GetEnvironmentVariable("HF_TOKEN"), cacheRoot)
            {
                StallTimeout = TimeSpan.FromSeconds(30),
            };
            var pulled = await hub.PullAsync(reference.RepoId, reference.Revision is { Length: > 0 } r && r != ModelReference.DefaultRevision
                ? r : revision is { Length: > 0 } ? revision : ModelReference.DefaultRevision);
            FallbackLog.Pulled(logger, reference.RepoId, pulled.Folder);
            return (pulled.Folder, null);
        }
        catch (Exception e) when (e is HubException or HttpRequestException or TaskCanceledException or IOException or InvalidOperationException)
        {
            return (null, $"{problem}; pulling it from the Hub failed: {e.Message}");
        }
    }
}
