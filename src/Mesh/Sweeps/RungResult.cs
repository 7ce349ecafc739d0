namespace FineTuneMesh.Mesh.Sweeps;

/// <summary>
/// A trial passing an early-stopping rung: its eval loss there, and whether that stopped it (with
/// the reason). Written once per trial and rung.
/// </summary>
public sealed record RungResult(string JobId, double Rung, double EvalLoss, bool Stopped, string? Reason, DateTimeOffset At);
