namespace FineTuneMesh.Mesh.Adapters;

/// <summary>The headline numbers of the run that made an adapter (metrics.json has every step).</summary>
public sealed record AdapterMetrics(
    double FirstLoss, double FinalLoss, double? BestEvalLoss, int Steps, int TrainExamples, int EvalExamples, double DurationSeconds);
