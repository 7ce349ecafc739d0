namespace FineTuneMesh.Trainer.Worker.Worker;

/// <summary>How a worker names itself in job records: host and process id, enough to find the process.</summary>
public static class WorkerIdentity
{
    public static string Name { get; } = $"{Environment.MachineName}:{Environment.ProcessId}";
}
