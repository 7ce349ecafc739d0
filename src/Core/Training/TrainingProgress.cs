namespace FineTuneMesh.Core.Training;

/// <summary>Reported after every optimiser step.</summary>
public sealed record TrainingProgress(int Step, int TotalSteps, int Epoch, double Loss, double LearningRate, double TokensPerSecond);
