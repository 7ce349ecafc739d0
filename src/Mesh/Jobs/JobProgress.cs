namespace FineTuneMesh.Mesh.Jobs;

/// <summary>
/// Where a running job is: the last step's loss, the last eval loss, speed and time left, and its
/// phase (<c>training</c>, then <c>evaluating</c> while the held-out records are answered).
/// </summary>
public sealed record JobProgress(int Step, int TotalSteps, int Epoch, double Loss, double? EvalLoss, double TokensPerSecond, double EtaSeconds,
    string Phase = JobProgress.TrainingPhase)
{
    public const string TrainingPhase = "training";
    public const string EvaluatingPhase = "evaluating";
}
