using FineTuneMesh.BaseModels;
using FineTuneMesh.Core;
using FineTuneMesh.Core.Lora;
using FineTuneMesh.Core.Modeling;
using FineTuneMesh.Core.Training;
using FineTuneMesh.Mesh.Adapters;
using FineTuneMesh.Mesh.Jobs;
using FineTuneMesh.Prompts;
using FineTuneMesh.Storage;
using FineTuneMesh.Trainer.Worker.Telemetry;
using Microsoft.Extensions.Options;

namespace FineTuneMesh.Trainer.Worker.Worker;

/// <summary>
/// Trains one job on this machine: fetches the dataset and any checkpoint from storage, loads the
/// base model, trains LoRA with progress going to the job record and the events exchange,
/// uploads each checkpoint as it is written, and publishes the adapter as a new version.
/// </summary>
public sealed class JobRunner(ArtifactStore store, AdapterCatalog catalog, CheckpointStore checkpoints, BaseModelResolver baseModels,
    IOptions<TrainerOptions> options, ILogger<JobRunner> logger)
{
    public async Task<AdapterManifest> RunAsync(JobProgressTracker tracker, CancellationToken cancellationToken)
    {
        var record = tracker.Current;
        var spec = record.Spec;
        var work = Path.Combine(options.Value.WorkDirectory is { Length: > 0 } root ? root : Path.GetTempPath(),
            "finetunemesh-trainer", $"{record.Id}-{Environment.ProcessId}");
        try
        {
            var (baseModel, problem) = await baseModels.ResolveAsync(spec.BaseModel, spec.BaseModelRevision);
            if (baseModel is null)
            {
                throw new InvalidDataException(problem);
            }

            var compute = baseModels.ComputeFor(baseModel, ComputeWork.Training, spec.Training.DType);
            if (compute.Warning is { } warning)
            {
                Log.SlowDType(logger, record.Id, compute.Summary, warning);
            }

            tracker.TrainsOn(baseModel.IsFallback ? $"{baseModel.Name} (fallback: {baseModel.FallbackReason})" : baseModel.Name,
                ComputeChoice.From(compute));
            var dataPath = Path.Combine(work, "data.jsonl");
            if (!await store.DownloadFileAsync(MeshBuckets.Datasets, spec.Dataset.Key!, dataPath, cancellationToken))
            {
                throw new InvalidDataException($"dataset s3://{MeshBuckets.Datasets}/{spec.Dataset.Key} does not exist.");
            }

            string? evalPath = null;
            if (spec.Evaluation?.DatasetKey is { } evalKey)
            {
                evalPath = Path.Combine(work, "held-out.jsonl");
                if (!await store.DownloadFileAsync(MeshBuckets.Datasets, evalKey, evalPath, cancellationToken))
                {
                    throw new InvalidDataException($"evaluation dataset s3://{MeshBuckets.Datasets}/{evalKey} does not exist.");
                }
            }

            var checkpointFolder = Path.Combine(work, "checkpoint");
            tracker.CheckpointFolder = checkpointFolder;
            var resumedFrom = await checkpoints.DownloadAsync(record.Id, checkpointFolder, cancellationToken);
            if (resumedFrom is { } step)
            {
                Log.JobResumed(logger, record.Id, step);
                await tracker.ResumedAsync(step, cancellationToken);
            }

            var adapterFolder = Path.Combine(work, "adapter");
            TrainingResult result;
            int trainCount, evalCount;
            EvaluationSummary? evaluation;
            try
            {
                (result, trainCount, evalCount, evaluation) = await Task.Factory.StartNew(
                    () => Train(tracker, baseModel, compute, dataPath, evalPath, checkpointFolder, adapterFolder, cancellationToken),
                    CancellationToken.None, TaskCreationOptions.LongRunning, TaskScheduler.Default);
            }
            catch (OperationCanceledException) when (TrainingCheckpoint.Exists(checkpointFolder))
            {
                // The trainer wrote a checkpoint as it stopped: store it, so that whoever runs the job next resumes here.
                await checkpoints.UploadAsync(record.Id, tracker.LastStep, checkpointFolder, CancellationToken.None);
                throw;
            }

            using var upload = TrainerTelemetry.Source.StartActivity("adapter upload");
            var manifest = await catalog.PublishAsync(adapterFolder, (version, files) => new AdapterManifest
            {
                Name = spec.AdapterName,
                Version = version,
                JobId = record.Id,
                BaseModel = baseModel.Name,
                BaseModelRevision = baseModel.Revision,
                Lora = spec.Lora,
                Training = spec.Training,
                Template = spec.Template,
                Metrics = new AdapterMetrics(result.Losses[0], result.Losses[^1], result.BestEvalLoss, result.Steps, trainCount, evalCount,
                    result.Duration.TotalSeconds),
                Evaluation = evaluation,
                Files = files,
                CreatedAt = DateTimeOffset.UtcNow,
                Compute = tracker.Current.Compute,
            }, spec.AdapterName, CancellationToken.None);
            upload?.SetTag("finetunemesh.adapter", $"{manifest.Name}:v{manifest.Version}");
            return manifest;
        }
        finally
        {
            TryDelete(work);
        }
    }

    private static (TrainingResult Result, int TrainCount, int EvalCount, EvaluationSummary? Evaluation) Train(JobProgressTracker tracker, BaseModel baseModel, ComputePlan compute, string dataPath,
        string? evalPath, string checkpointFolder, string adapterFolder, CancellationToken cancellationToken)
    {
        var record = tracker.Current;
        var spec = record.Spec;
        using var model = LanguageModel.Load(baseModel.Folder, compute.Weights);
        var template = spec.Template is null ? null : PromptTemplate.Parse(spec.Template);
        var examples = DatasetReader.Read(dataPath, model.Tokenizer, spec.Training.MaxSequenceLength, template);
        // A second dataset held out: every record of the job's own trains.
        var (train, eval) = evalPath is null ? TrainingPlan.HoldOut(examples, spec.Training.EvalFraction, spec.Training.Seed)
            : (examples, DatasetReader.Read(evalPath, model.Tokenizer, spec.Training.MaxSequenceLength, template));
        var lora = spec.Lora.ToSettings();
        var adapters = LoraApplier.Apply(model.Network, lora, spec.Training.Seed);
        var trainingOptions = spec.Training.ToOptions();

        var result = new LoraTrainer(model.Network, trainingOptions).Train(train, eval, tracker, checkpointFolder, cancellationToken);

        AdapterFiles.Save(adapterFolder, adapters, lora, baseModel.Name, baseModel.Revision);
        RunReport.Write(adapterFolder, new { job = record.Id, base_model = baseModel.Name, lora, options = trainingOptions,
            train_examples = train.Count, eval_examples = eval.Count }, result.Losses, result.EvalLosses, result.Duration);

        tracker.Evaluating();
        using var evaluating = TrainerTelemetry.Source.StartActivity("held-out evaluation");
        var report = HeldOutEvaluation.Run(model, template, dataPath, evalPath, spec, cancellationToken);
        if (report is not null)
        {
            HeldOutEvaluation.Write(adapterFolder, report);
            evaluating?.SetTag("finetunemesh.evaluation.adherence_rate", report.AdherenceRate);
        }

        return (result, train.Count, eval.Count, report is null ? null : HeldOutEvaluation.Summarize(report));
    }

    private static void TryDelete(string folder)
    {
        try
        {
            if (Directory.Exists(folder))
            {
                Directory.Delete(folder, recursive: true);
            }
        }
        catch (IOException)
        {
            // Temp files left behind are harmless.
        }
    }
}
