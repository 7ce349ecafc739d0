namespace FineTuneMesh.Core.Training;

/// <summary>
/// Reported after every optimiser step; <see cref="EvalLoss"/> is set on steps that evaluated, and
/// <see cref="CheckpointSaved"/> on steps whose resumable checkpoint was just written (so it can be copied away).
/// </summary>
public sealed record TrainingProgress(
    int Step,
    int TotalSteps,
    int Epoch,
    double Loss,
    double? EvalLoss,
    double LearningRate,
    double TokensPerSecond,
    TimeSpan Remaining,
    bool CheckpointSaved = false);
