using FineTuneMesh.BaseModels;
using FineTuneMesh.Core;
using FineTuneMesh.Core.Evaluation;
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
            IReadOnlyList<DataPart> parts = spec.Tasks is { } tasks
                ? [.. tasks.Select(t => new DataPart(t.Name, t.Dataset.Key!, Path.Combine(work, $"task-{t.Name}.jsonl"), t.Template ?? spec.Template, t.Weight))]
                : [new DataPart(null, spec.Dataset.Key!, Path.Combine(work, "data.jsonl"), spec.Template, 1)];
            foreach (var part in parts)
            {
                if (!await store.DownloadFileAsync(MeshBuckets.Datasets, part.DatasetKey, part.Path, cancellationToken))
                {
                    throw new InvalidDataException($"dataset s3://{MeshBuckets.Datasets}/{part.DatasetKey} does not exist.");
                }
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
            TrainedAdapter trained;
            try
            {
                trained = await Task.Factory.StartNew(
                    () => Train(tracker, baseModel, compute, parts, evalPath, checkpointFolder, adapterFolder, cancellationToken),
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
                Metrics = new AdapterMetrics(trained.Result.Losses[0], trained.Result.Losses[^1], trained.Result.BestEvalLoss, trained.Result.Steps,
                    trained.TrainCount, trained.EvalCount, trained.Result.Duration.TotalSeconds),
                Evaluation = trained.Evaluation,
                Tasks = trained.Tasks,
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

    private static TrainedAdapter Train(JobProgressTracker tracker, BaseModel baseModel, ComputePlan compute, IReadOnlyList<DataPart> parts,
        string? evalPath, string checkpointFolder, string adapterFolder, CancellationToken cancellationToken)
    {
        var record = tracker.Current;
        var spec = record.Spec;
        using var model = LanguageModel.Load(baseModel.Folder, compute.Weights);
        var train = new List<TrainingExample>();
        var eval = new List<TrainingExample>();
        var counts = new List<(int Train, int Eval)>();
        foreach (var part in parts)
        {
            var template = part.Template is null ? null : PromptTemplate.Parse(part.Template);
            var examples = DatasetReader.Read(part.Path, model.Tokenizer, spec.Training.MaxSequenceLength, template);
            // A second dataset held out: every record of the job's own trains.
            var (partTrain, partEval) = evalPath is null ? TrainingPlan.HoldOut(examples, spec.Training.EvalFraction, spec.Training.Seed)
                : (examples, DatasetReader.Read(evalPath, model.Tokenizer, spec.Training.MaxSequenceLength, template));
            var mixed = TaskMix.Weighted(partTrain, part.Weight, spec.Training.Seed);
            train.AddRange(mixed);
            eval.AddRange(partEval);
            counts.Add((mixed.Count, partEval.Count));
        }

        var lora = spec.Lora.ToSettings();
        var adapters = LoraApplier.Apply(model.Network, lora, spec.Training.Seed);
        var trainingOptions = spec.Training.ToOptions();

        var result = new LoraTrainer(model.Network, trainingOptions).Train(train, eval, tracker, checkpointFolder, cancellationToken);

        AdapterFiles.Save(adapterFolder, adapters, lora, baseModel.Name, baseModel.Revision);
        RunReport.Write(adapterFolder, new { job = record.Id, base_model = baseModel.Name, lora, options = trainingOptions,
            train_examples = train.Count, eval_examples = eval.Count }, result.Losses, result.EvalLosses, result.Duration);

        tracker.Evaluating();
        using var evaluating = TrainerTelemetry.Source.StartActivity("held-out evaluation");
        var reports = parts.Select(part => HeldOutEvaluation.Run(model, part.Template is null ? null : PromptTemplate.Parse(part.Template),
            part.Path, evalPath, spec, cancellationToken)).ToList();
        var all = reports.OfType<EvaluationReport>().ToList();
        var report = all.Count == 0 ? null : all.Count == 1 ? all[0] : EvaluationReport.From([.. all.SelectMany(r => r.Examples)]);
        if (report is not null)
        {
            HeldOutEvaluation.Write(adapterFolder, report);
            evaluating?.SetTag("finetunemesh.evaluation.adherence_rate", report.AdherenceRate);
        }

        IReadOnlyList<TaskResult>? tasks = null;
        if (spec.Tasks is not null)
        {
            tasks = [.. parts.Select((part, i) => new TaskResult(part.Task!, part.DatasetKey, part.Template, part.Weight, counts[i].Train, counts[i].Eval,
                reports[i] is { } r ? HeldOutEvaluation.Summarize(r) : null))];
            foreach (var (part, taskReport) in parts.Zip(reports).Where(p => p.Second is not null))
            {
                HeldOutEvaluation.Write(adapterFolder, taskReport!, part.Task);
            }
        }

        return new TrainedAdapter(result, train.Count, eval.Count, report is null ? null : HeldOutEvaluation.Summarize(report), tasks);
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
