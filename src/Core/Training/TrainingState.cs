namespace FineTuneMesh.Core.Training;

/// <summary>The trainer's own state in a checkpoint (trainer_state.json); the plan is rebuilt from the seed.</summary>
public sealed record TrainingState
{
    public int Step { get; init; }
    public List<double> Losses { get; init; } = [];
    public List<EvalPoint> EvalLosses { get; init; } = [];
    public int? BestStep { get; init; }
    public double? BestEvalLoss { get; init; }
    public int EvaluationsWithoutImprovement { get; init; }
    public long Seed { get; init; }
    public int TotalSteps { get; init; }

    public sealed record EvalPoint(int Step, double Loss);
}
