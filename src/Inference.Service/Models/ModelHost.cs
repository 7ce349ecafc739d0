using System.Diagnostics;
using FineTuneMesh.BaseModels;
using FineTuneMesh.Core;
using FineTuneMesh.Core.Generation;
using FineTuneMesh.Core.Modeling;
using FineTuneMesh.Mesh.Jobs;
using FineTuneMesh.ServiceDefaults;
using Microsoft.Extensions.Options;
using static TorchSharp.torch;

namespace FineTuneMesh.Inference.Service.Models;

/// <summary>
/// Loads the base model once at startup and owns it. FINETUNE_BASE_MODEL goes through the mesh's
/// <see cref="BaseModelResolver"/>: a folder, a cached repo, a pull when the Hub answers, else the
/// built-in tiny model (with a warning and <see cref="BaseModelInfo.Fallback"/> set) so the service
/// still starts, and on the same weights the trainers fall back to, so their adapters fit.
/// </summary>
public sealed class ModelHost(IConfiguration configuration, BaseModelResolver baseModels, IOptions<InferenceOptions> options,
    DecodeBatcher batcher, ILogger<ModelHost> logger)
    : IHostedService, IDisposable
{
    private LanguageModel? _model;

    public LanguageModel Model => _model ?? throw new InvalidOperationException("the base model is still loading.");

    public bool IsLoaded => Volatile.Read(ref _model) is not null;

    public BaseModelInfo? Info { get; private set; }

    public ScalarType DType { get; private set; } = ScalarType.Float32;

    public Task StartAsync(CancellationToken cancellationToken) => Task.Run(LoadAsync, cancellationToken);

    public Task StopAsync(CancellationToken cancellationToken) => Task.CompletedTask;

    public void Dispose()
    {
        _model?.Dispose();
        _model = null;
    }

    private async Task LoadAsync()
    {
        var clock = Stopwatch.StartNew();
        var requested = configuration.GetBaseModel();
        var baseModel = await baseModels.ConfiguredAsync();
        if (baseModel.IsFallback)
        {
            Log.UsingFallbackModel(logger, requested ?? "(none)", baseModel.FallbackReason!, baseModel.Folder);
        }

        var compute = baseModels.ComputeFor(baseModel, ComputeWork.Inference);
        if (compute.Warning is { } warning)
        {
            Log.SlowDType(logger, compute.Summary, warning);
        }

        DType = compute.Weights;
        var model = LanguageModel.Load(baseModel.Folder, DType);
        // Adapters' models (LanguageModel.ShareWeights) inherit the batcher, so every stream shares the steps.
        model.Generator.Batcher = options.Value.BatchDecoding ? batcher : null;
        model.Generator.PrefillChunkTokens = options.Value.PrefillChunkTokens;
        Volatile.Write(ref _model, model);
        Info = new BaseModelInfo(requested, baseModel.Folder, DTypeNames.ToConfigName(DType), baseModel.IsFallback, baseModel.FallbackReason)
        {
            BaseName = baseModel.Name,
            Compute = ComputeChoice.From(compute),
        };
        Log.BaseModelLoaded(logger, baseModel.Folder, compute.Summary, compute.Reason, Info.Compute.Cpu, clock.ElapsedMilliseconds);
    }
}
