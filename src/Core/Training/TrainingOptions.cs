namespace FineTuneMesh.Core.Training;

/// <summary>Optimiser and schedule settings of a LoRA run.</summary>
public sealed record TrainingOptions
{
    public double LearningRate { get; init; } = 2e-4;
    public double WeightDecay { get; init; }
    public int Epochs { get; init; } = 3;
    public int BatchSize { get; init; } = 4;
    public int GradientAccumulation { get; init; } = 1;
    public double WarmupFraction { get; init; } = 0.1;
    public double MaxGradientNorm { get; init; } = 1.0;
    public int MaxSequenceLength { get; init; } = 512;
    public long Seed { get; init; } = 42;

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
    }
}
