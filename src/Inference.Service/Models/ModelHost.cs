using System.Diagnostics;
using FineTuneMesh.Core;
using FineTuneMesh.Core.Checkpoints;
using FineTuneMesh.Core.Hub;
using FineTuneMesh.Core.Modeling;
using FineTuneMesh.ServiceDefaults;
using Microsoft.Extensions.Options;
using static TorchSharp.torch;

namespace FineTuneMesh.Inference.Service.Models;

/// <summary>
/// Loads the base model once at startup and owns it. FINETUNE_BASE_MODEL is a model folder or a
/// Hugging Face repo id already in the model cache; when it is neither, a tiny random model stands
/// in (with a warning and <see cref="BaseModelInfo.Fallback"/> set) so the service still starts.
/// </summary>
public sealed class ModelHost(IConfiguration configuration, IOptions<InferenceOptions> options, ILogger<ModelHost> logger)
    : IHostedService, IDisposable
{
    private readonly IOptions<InferenceOptions> _options = options;
    private const string DefaultDType = "bf16";

    private LanguageModel? _model;
    private string? _fallbackFolder;

    public LanguageModel Model => _model ?? throw new InvalidOperationException("the base model is still loading.");

    public bool IsLoaded => Volatile.Read(ref _model) is not null;

    public BaseModelInfo? Info { get; private set; }

    public ScalarType DType { get; private set; } = ScalarType.Float32;

    public Task StartAsync(CancellationToken cancellationToken) => Task.Run(Load, cancellationToken);

    public Task StopAsync(CancellationToken cancellationToken) => Task.CompletedTask;

    public void Dispose()
    {
        _model?.Dispose();
        _model = null;
        if (_fallbackFolder is not null && Directory.Exists(_fallbackFolder))
        {
            try
            {
                Directory.Delete(_fallbackFolder, recursive: true);
            }
            catch (IOException)
            {
                // A temp folder left behind is harmless.
            }
        }
    }

    private void Load()
    {
        var clock = Stopwatch.StartNew();
        var requested = configuration.GetBaseModel();
        var (folder, reason) = Resolve(requested);
        var dtypeName = configuration[FineTuneSettings.Dtype] is { Length: > 0 } configured ? configured : DefaultDType;
        if (folder is null)
        {
            folder = WriteFallback();
            dtypeName = "fp32";
            Log.UsingFallbackModel(logger, requested, reason!, folder);
        }

        DType = DTypeNames.Parse(dtypeName);
        var model = LanguageModel.Load(folder, DType);
        Volatile.Write(ref _model, model);
        Info = new BaseModelInfo(requested, folder, DTypeNames.ToConfigName(DType), reason is not null, reason);
        Log.BaseModelLoaded(logger, folder, Info.DType, clock.ElapsedMilliseconds);
    }

    private (string? Folder, string? Reason) Resolve(string? requested)
    {
        if (requested is null)
        {
            return (null, $"{FineTuneSettings.BaseModel} is not set");
        }

        var revision = configuration[FineTuneSettings.BaseModelRevision];
        var cacheRoot = configuration[FineTuneSettings.ModelCache] is { Length: > 0 } root ? root : null;
        return LocalModels.Resolve(requested, revision, cacheRoot);
    }

    private string WriteFallback()
    {
        var options = new ModelFolderInitializer.Options { Std = 0.2, Seed = 42 };
        if (_options.Value.FallbackModelFolder is { Length: > 0 } configured)
        {
            var folder = Path.GetFullPath(configured);
            ModelFolderInitializer.Write(folder, options);
            return folder;
        }

        // A folder of our own, deleted on shutdown.
        _fallbackFolder = Path.Combine(Path.GetTempPath(), "finetunemesh-fallback", Guid.NewGuid().ToString("N"));
        ModelFolderInitializer.Write(_fallbackFolder, options);
        return _fallbackFolder;
    }
}
