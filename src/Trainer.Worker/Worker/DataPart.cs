namespace FineTuneMesh.Trainer.Worker.Worker;

/// <summary>
/// One dataset a job trains on, downloaded: the job's only one (no task name), or a task of a
/// multi-task job with its own template and weight in the mix.
/// </summary>
public sealed record DataPart(string? Task, string DatasetKey, string Path, string? Template, double Weight);
