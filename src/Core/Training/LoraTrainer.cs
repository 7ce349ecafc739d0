using System.Diagnostics;
using FineTuneMesh.Core.Kernels;
using FineTuneMesh.Core.Lora;
using FineTuneMesh.Core.Modeling;
using static TorchSharp.torch;

namespace FineTuneMesh.Core.Training;

/// <summary>
/// The training recipe: a seeded plan of length-bucketed batches, completion-only loss, gradient
/// accumulation, clipping, AdamW on the adapter parameters only, warm-up plus decay, evaluation on
/// a hold-out set with early stopping and best-adapter selection, and resumable checkpoints. The
/// model must already carry adapters (<see cref="LoraApplier"/>); its base weights stay frozen.
/// Dropout is seeded per step, so a resumed run repeats exactly what an uninterrupted one does.
/// </summary>
public sealed class LoraTrainer(CausalLanguageModel model, TrainingOptions options)
{
    private FrozenPrefixCache? _prefix;

    public TrainingResult Train(IReadOnlyList<TrainingExample> examples, IReadOnlyList<TrainingExample>? evalExamples = null,
        IProgress<TrainingProgress>? progress = null, string? checkpointFolder = null, CancellationToken cancellationToken = default)
    {
        TrainingAllocator.KeepFreedMemory();
        options.Validate();
        if (examples.Count == 0)
        {
            throw new ArgumentException("no training examples.");
        }

        var trainable = TrainingCheckpoint.Trainable(model);
        if (trainable.Count == 0)
        {
            throw new InvalidOperationException("the model has no trainable parameters; apply LoRA adapters first.");
        }

        var evalSet = evalExamples ?? [];
        var plan = new TrainingPlan(examples, options);
        var optimizer = optim.AdamW(trainable.Select(p => p.Value), options.LearningRate, weight_decay: options.WeightDecay);
        var run = new RunState(options.Seed, plan.TotalSteps);
        if (checkpointFolder is not null && TrainingCheckpoint.Exists(checkpointFolder))
        {
            run = RunState.Resume(TrainingCheckpoint.Load(checkpointFolder, model, optimizer), options.Seed, plan.TotalSteps, checkpointFolder);
        }

        var clock = Stopwatch.StartNew();
        var firstStep = run.Step;
        _prefix = FrozenPrefix();
        model.train();
        try
        {
            while (run.Step < plan.TotalSteps && !run.StoppedEarly)
            {
                if (cancellationToken.IsCancellationRequested)
                {
                    Save(checkpointFolder, optimizer, run);
                    cancellationToken.ThrowIfCancellationRequested();
                }

                var step = run.Step;
                var stepClock = Stopwatch.StartNew();
                var learningRate = LearningRateSchedule.At(options.Schedule, step, plan.TotalSteps, options.LearningRate, options.WarmupFraction);
                var loss = Step(optimizer, trainable, plan.Step(step), learningRate, step, out var tokens);
                run.Losses.Add(loss);
                run.Step++;

                double? evalLoss = null;
                var evaluateNow = options.EvalEverySteps > 0 ? run.Step % options.EvalEverySteps == 0 : plan.EndsEpoch(step);
                if (evalSet.Count > 0 && (evaluateNow || run.Step == plan.TotalSteps))
                {
                    evalLoss = Evaluate(evalSet);
                    run.RecordEvaluation(evalLoss.Value, trainable, options.EarlyStoppingPatience);
                }

                var checkpointNow = checkpointFolder is not null && options.CheckpointEverySteps > 0 && run.Step % options.CheckpointEverySteps == 0;
                if (checkpointNow)
                {
                    Save(checkpointFolder, optimizer, run);
                }

                var perStep = clock.Elapsed / (run.Step - firstStep);
                progress?.Report(new TrainingProgress(run.Step, plan.TotalSteps, plan.EpochOf(step), loss, evalLoss, learningRate,
                    tokens / stepClock.Elapsed.TotalSeconds, perStep * (plan.TotalSteps - run.Step), checkpointNow));
            }
        }
        finally
        {
            model.eval();
            _prefix?.Dispose();
            _prefix = null;
        }

        Save(checkpointFolder, optimizer, run);
        run.RestoreBest(trainable);
        return run.ToResult(clock.Elapsed);
    }

    /// <summary>The cache of the frozen layers' output, when the adapters leave the lowest layers alone.</summary>
    private FrozenPrefixCache? FrozenPrefix()
    {
        var adapted = model.Model.Layers.Select((layer, i) => (i, layer))
            .Where(l => l.layer.modules().OfType<LoraLinear>().Any()).Select(l => l.i).DefaultIfEmpty(0).Min();
        return options.CacheFrozenLayers && adapted > 0 ? new FrozenPrefixCache(model, adapted, options.MaxFrozenCacheBytes) : null;
    }

    private void Save(string? folder, TorchSharp.Modules.AdamW optimizer, RunState run)
    {
        if (folder is not null)
        {
            TrainingCheckpoint.Save(folder, model, optimizer, run.ToState(), run.Best);
        }
    }

    private double Step(TorchSharp.Modules.AdamW optimizer, List<KeyValuePair<string, TorchSharp.Modules.Parameter>> trainable,
        TrainingExample[][] group, double learningRate, int step, out long tokens)
    {
        using var scope = NewDisposeScope();
        var adapterIndex = 0;
        foreach (var adapter in model.modules().OfType<LoraLinear>())
        {
            adapter.SeedDropout(unchecked(options.Seed * 1_000_003 + step * 1_009 + adapterIndex++));
        }

        foreach (var paramGroup in optimizer.ParamGroups)
        {
            paramGroup.LearningRate = learningRate;
        }

        optimizer.zero_grad();
        double total = 0;
        tokens = 0;
        foreach (var batch in group)
        {
            var (loss, _) = CompletionLoss.Compute(model, batch, _prefix);
            (loss / group.Length).backward();
            total += loss.item<float>() / group.Length;
            tokens += batch.Sum(e => e.Length);
        }

        nn.utils.clip_grad_norm_(trainable.Select(p => p.Value), options.MaxGradientNorm);
        optimizer.step();
        return total;
    }

    /// <summary>Token-weighted mean completion loss over the hold-out set, without dropout or gradients.</summary>
    public double Evaluate(IReadOnlyList<TrainingExample> examples)
    {
        var wasTraining = model.training;
        model.eval();
        try
        {
            using var noGrad = no_grad();
            double sum = 0;
            long count = 0;
            foreach (var batch in examples.Chunk(options.BatchSize))
            {
                using var scope = NewDisposeScope();
                var (loss, tokens) = CompletionLoss.Compute(model, batch, _prefix);
                sum += loss.item<float>() * tokens;
                count += tokens;
            }

            return sum / count;
        }
        finally
        {
            if (wasTraining)
            {
                model.train();
            }
        }
    }
}
