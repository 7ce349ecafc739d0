namespace FineTuneMesh.Synth.Service.Jobs;

/// <summary>The hand-off to training: <c>pending</c> until synthesis succeeds, then <c>submitted</c> with the trainer's job id, or <c>failed</c>/<c>skipped</c> with the reason.</summary>
public sealed record TrainingHandoffState(string AdapterName, string Status, string? JobId = null, string? Error = null);
