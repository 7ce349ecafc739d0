namespace FineTuneMesh.Mesh.Jobs;

/// <summary>The optimiser and run settings of a job; the CLI's defaults for what it leaves out.</summary>
public sealed record TrainingSpec
{
    public double LearningRate { get; init; } = 2e-4;
    public int Epochs { get; init; } = 3;
    public int BatchSize { get; init; } = 4;
    public int GradientAccumulation { get; init; } = 1;
    public int MaxSequenceLength { get; init; } = 512;
    public long Seed { get; init; } = 42;
    public string Schedule { get; init; } = "cosine";
    public double WarmupFraction { get; init; } = 0.1;
    public double WeightDecay { get; init; }

    /// <summary>Share of the records held out for eval loss (none under 5 records).</summary>
    public double EvalFraction { get; init; } = 0.1;

    public int EvalEverySteps { get; init; }
    public int EarlyStoppingPatience { get; init; }

    /// <summary>Checkpoint to object storage every this many steps, so a killed worker's job resumes near where it was.</summary>
    public int CheckpointEverySteps { get; init; } = 10;

    /// <summary>auto, fp32, bf16, fp16 or q8_0 (a serving format: training computes as auto); null means the trainer's FINETUNE_DTYPE (auto by default).</summary>
    public string? DType { get; init; }
}
