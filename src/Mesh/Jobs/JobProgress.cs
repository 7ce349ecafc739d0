namespace FineTuneMesh.Mesh.Jobs;

/// <summary>Where a running job is: the last step's loss, the last eval loss, speed and time left.</summary>
public sealed record JobProgress(int Step, int TotalSteps, int Epoch, double Loss, double? EvalLoss, double TokensPerSecond, double EtaSeconds);
