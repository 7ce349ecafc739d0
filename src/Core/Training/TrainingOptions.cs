namespace FineTuneMesh.Core.Training;

/// <summary>Optimiser, schedule, evaluation and checkpoint settings of a LoRA run.</summary>
public sealed record TrainingOptions
{
    public double LearningRate { get; init; } = 2e-4;
    public double WeightDecay { get; init; }
    public int Epochs { get; init; } = 3;
    public int BatchSize { get; init; } = 4;
    public int GradientAccumulation { get; init; } = 1;
    public string Schedule { get; init; } = "cosine";
    public double WarmupFraction { get; init; } = 0.1;
    public double MaxGradientNorm { get; init; } = 1.0;
    public int MaxSequenceLength { get; init; } = 512;
    public long Seed { get; init; } = 42;

    /// <summary>
    /// When the adapters start at layer k > 0, compute the frozen layers below k once per example
    /// and reuse their output (<see cref="FrozenPrefixCache"/>): the same losses, less work.
    /// </summary>
    public bool CacheFrozenLayers { get; init; } = true;

    /// <summary>At most this much memory for <see cref="CacheFrozenLayers"/> (fp32 [tokens, hidden] per example).</summary>
    public long MaxFrozenCacheBytes { get; init; } = 2L << 30;

    /// <summary>Evaluate on the hold-out set every this many optimiser steps (0: once per epoch).</summary>
    public int EvalEverySteps { get; init; }

    /// <summary>Stop after this many evaluations without a better eval loss (0: never stop early).</summary>
    public int EarlyStoppingPatience { get; init; }

    /// <summary>Write a resumable checkpoint every this many steps (0: only at the end).</summary>
    public int CheckpointEverySteps { get; init; }

    public void Validate()
    {
        if (LearningRate is <= 0 or > 1)
        {
            throw new ArgumentException($"learning rate must be in (0, 1], got {LearningRate}.");
        }

        if (Epochs < 1 || BatchSize < 1 || GradientAccumulation < 1 || MaxSequenceLength < 2)
        {
            throw new ArgumentException("epochs, batch size and gradient accumulation must be at least 1, max sequence length at least 2.");
        }

        if (WarmupFraction is < 0 or >= 1)
        {
            throw new ArgumentException($"warmup fraction must be in [0, 1), got {WarmupFraction}.");
        }

        if (!LearningRateSchedule.Names.Contains(Schedule))
        {
            throw new ArgumentException($"unknown schedule '{Schedule}'; use {string.Join(", ", LearningRateSchedule.Names)}.");
        }

        if (MaxGradientNorm <= 0 || WeightDecay < 0 || EvalEverySteps < 0 || EarlyStoppingPatience < 0 || CheckpointEverySteps < 0)
        {
            throw new ArgumentException("max gradient norm must be positive; weight decay, eval interval, patience and checkpoint interval not negative.");
        }
    }
}
