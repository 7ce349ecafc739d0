using System.Diagnostics;
using FineTuneMesh.BaseModels;
using FineTuneMesh.Core;
using FineTuneMesh.Core.Evaluation;
using FineTuneMesh.Core.Hub;
using FineTuneMesh.Core.Lora;
using FineTuneMesh.Core.Modeling;
using FineTuneMesh.Core.Training;
using FineTuneMesh.Mesh.Jobs;
using FineTuneMesh.Mesh.Sweeps;
using FineTuneMesh.Prompts;

namespace FineTuneMesh.Cli.Commands;

/// <summary>
/// A sweep on this machine, trial after trial: each trains its own adapter on the base model,
/// answers the held-out template records, and (early stopping) is stopped at a rung where its eval
/// loss is outside the best share of the trials before it. The same planner, stopping rule and
/// ranking as a sweep in the mesh.
/// </summary>
public sealed class LocalSweep(string modelFolder, ComputePlan compute, string dataPath, string output)
{
    /// <summary>Each trial as it ends, for a progress display.</summary>
    public event Action<SweepStanding>? TrialEnded;

    /// <summary>Each training step of the running trial.</summary>
    public event Action<int, TrainingProgress>? Stepped;

    public IReadOnlyList<SweepStanding> Run(SweepSpec spec, IReadOnlyList<TrialSettings> trials, CancellationToken cancellationToken)
    {
        var rungs = new Dictionary<double, List<double>>();
        var standings = new List<SweepStanding>();
        for (var i = 0; i < trials.Count; i++)
        {
            var trial = new SweepTrial { Index = i, JobId = $"trial-{i}", Settings = trials[i], EvalEverySteps = 0 };
            var standing = RunTrial(spec, trial, rungs, cancellationToken);
            standings.Add(standing);
            TrialEnded?.Invoke(standing);
        }

        return SweepRanking.Rank(standings);
    }

    private SweepStanding RunTrial(SweepSpec spec, SweepTrial trial, Dictionary<double, List<double>> rungs, CancellationToken cancellationToken)
    {
        var job = SweepPlanner.JobFor(spec, "local", trial);
        using var model = LanguageModel.Load(modelFolder, compute.Weights);
        var template = PromptTemplate.Parse(job.Template!);
        var examples = DatasetReader.Read(dataPath, model.Tokenizer, job.Training.MaxSequenceLength, template);
        var (train, eval) = TrainingPlan.HoldOut(examples, job.Training.EvalFraction, job.Training.Seed);
        var lora = job.Lora.ToSettings();
        var adapters = LoraApplier.Apply(model.Network, lora, job.Training.Seed);
        var totalSteps = (int)Math.Ceiling((double)train.Count / job.Training.BatchSize / Math.Max(1, job.Training.GradientAccumulation)) * job.Training.Epochs;
        var options = (job.Training with { EvalEverySteps = job.Training.EvalEverySteps > 0 ? job.Training.EvalEverySteps : Math.Max(1, totalSteps / 6) })
            .ToOptions();

        using var stop = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        var passed = new HashSet<double>();
        (double Rung, string Reason)? stopped = null;
        var progress = new Progress(p =>
        {
            Stepped?.Invoke(trial.Index, p);
            var share = (double)p.Step / p.TotalSteps;
            if (!spec.EarlyStopping.Enabled || p.EvalLoss is not { } evalLoss || p.Step >= p.TotalSteps)
            {
                return;
            }

            foreach (var rung in spec.EarlyStopping.Rungs.Order().Where(r => share >= r && passed.Add(r)))
            {
                var earlier = rungs.TryGetValue(rung, out var losses) ? losses : rungs[rung] = [];
                var (halt, reason) = SuccessiveHalving.Decide(spec.EarlyStopping, rung, evalLoss, earlier);
                earlier.Add(evalLoss);
                if (halt)
                {
                    stopped = (rung, reason!);
                    stop.Cancel();
                    return;
                }
            }
        });

        var clock = Stopwatch.StartNew();
        TrainingResult result;
        try
        {
            result = new LoraTrainer(model.Network, options).Train(train, eval, progress, null, stop.Token);
        }
        catch (OperationCanceledException) when (stopped is { } why && !cancellationToken.IsCancellationRequested)
        {
            return new SweepStanding
            {
                Rank = 0, Index = trial.Index, JobId = trial.JobId, Status = JobStatus.Cancelled, Settings = trial.Settings,
                StoppedAtRung = why.Rung, Note = why.Reason, DurationSeconds = clock.Elapsed.TotalSeconds,
            };
        }

        var folder = Path.Combine(output, trial.JobId);
        AdapterFiles.Save(folder, adapters, lora, ModelProvenance.Of(modelFolder).NameOrPath, null);
        RunReport.Write(folder, new { trial = trial.Index, settings = trial.Settings, lora, options }, result.Losses, result.EvalLosses, result.Duration);
        model.Network.eval();
        var records = HeldOutRecords.Select(dataPath, null, job.Training.EvalFraction, job.Training.Seed, job.Evaluation.MaxExamples);
        var report = records.Count == 0 ? null
            : Evaluator.RunAsync(model, template, records, job.Evaluation.ToSampling(model, job.Training.Seed), cancellationToken).GetAwaiter().GetResult();
        return new SweepStanding
        {
            Rank = 0,
            Index = trial.Index,
            JobId = trial.JobId,
            Status = JobStatus.Succeeded,
            Settings = trial.Settings,
            AdherenceRate = report?.AdherenceRate,
            ExactMatchRate = report?.ExactMatchRate,
            EvalLoss = result.BestEvalLoss,
            DurationSeconds = result.Duration.TotalSeconds,
            Note = folder,
        };
    }

    /// <summary>Reports on the training thread itself, so that a rung's decision stops the very next step.</summary>
    private sealed class Progress(Action<TrainingProgress> report) : IProgress<TrainingProgress>
    {
        public void Report(TrainingProgress value) => report(value);
    }
}
