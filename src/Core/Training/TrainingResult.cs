namespace FineTuneMesh.Core.Training;

/// <summary>What a run did: the loss of every step, the evaluations, and the step whose adapter was kept.</summary>
public sealed record TrainingResult(
    IReadOnlyList<double> Losses,
    IReadOnlyList<(int Step, double Loss)> EvalLosses,
    int Steps,
    int TotalSteps,
    int? BestStep,
    double? BestEvalLoss,
    bool StoppedEarly,
    TimeSpan Duration);
