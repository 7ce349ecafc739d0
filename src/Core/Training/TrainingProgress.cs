namespace FineTuneMesh.Core.Training;

/// <summary>Reported after every optimiser step; <see cref="EvalLoss"/> is set on steps that evaluated.</summary>
public sealed record TrainingProgress(
    int Step,
    int TotalSteps,
    int Epoch,
    double Loss,
    double? EvalLoss,
    double LearningRate,
    double TokensPerSecond,
    TimeSpan Remaining);
