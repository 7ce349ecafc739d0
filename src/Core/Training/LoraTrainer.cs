using System.Diagnostics;
using FineTuneMesh.Core.Lora;
using FineTuneMesh.Core.Modeling;
using TorchSharp;
using static TorchSharp.torch;

namespace FineTuneMesh.Core.Training;

/// <summary>
/// The training recipe: shuffle, batch, completion-only loss, gradient accumulation, clipping,
/// AdamW on the adapter parameters only, warm-up plus cosine schedule. The model must already
/// carry adapters (<see cref="LoraApplier"/>); its base weights stay frozen.
/// </summary>
public sealed class LoraTrainer(CausalLanguageModel model, TrainingOptions options)
{
    public IReadOnlyList<double> Train(IReadOnlyList<TrainingExample> examples, IProgress<TrainingProgress>? progress = null,
        CancellationToken cancellationToken = default)
    {
        options.Validate();
        if (examples.Count == 0)
        {
            throw new ArgumentException("no training examples.");
        }

        var trainable = model.parameters().Where(p => p.requires_grad).ToList();
        if (trainable.Count == 0)
        {
            throw new InvalidOperationException("the model has no trainable parameters; apply LoRA adapters first.");
        }

        torch.manual_seed(options.Seed);
        var optimizer = optim.AdamW(trainable, options.LearningRate, weight_decay: options.WeightDecay);
        var batchesPerEpoch = (examples.Count + options.BatchSize - 1) / options.BatchSize;
        var totalSteps = options.Epochs * ((batchesPerEpoch + options.GradientAccumulation - 1) / options.GradientAccumulation);
        var random = new Random((int)options.Seed);
        var losses = new List<double>();
        var step = 0;
        model.train();
        try
        {
            for (var epoch = 0; epoch < options.Epochs; epoch++)
            {
                var order = Enumerable.Range(0, examples.Count).OrderBy(_ => random.Next()).ToArray();
                var batches = order.Chunk(options.BatchSize).Select(ids => ids.Select(i => examples[i]).ToList()).ToList();
                foreach (var group in batches.Chunk(options.GradientAccumulation))
                {
                    cancellationToken.ThrowIfCancellationRequested();
                    var clock = Stopwatch.StartNew();
                    var loss = Step(optimizer, trainable, group, LearningRateSchedule.At(step, totalSteps, options.LearningRate, options.WarmupFraction), out var tokens);
                    losses.Add(loss);
                    step++;
                    progress?.Report(new TrainingProgress(step, totalSteps, epoch + 1, loss,
                        optimizer.ParamGroups.First().LearningRate, tokens / clock.Elapsed.TotalSeconds));
                }
            }
        }
        finally
        {
            model.eval();
        }

        return losses;
    }

    private double Step(optim.Optimizer optimizer, List<TorchSharp.Modules.Parameter> trainable, List<TrainingExample>[] group,
        double learningRate, out long tokens)
    {
        using var scope = NewDisposeScope();
        foreach (var paramGroup in optimizer.ParamGroups)
        {
            paramGroup.LearningRate = learningRate;
        }

        optimizer.zero_grad();
        double total = 0;
        tokens = 0;
        foreach (var batch in group)
        {
            var (loss, _) = CompletionLoss.Compute(model, batch);
            (loss / group.Length).backward();
            total += loss.item<float>() / group.Length;
            tokens += batch.Sum(e => e.Length);
        }

        nn.utils.clip_grad_norm_(trainable, options.MaxGradientNorm);
        optimizer.step();
        return total;
    }
}
