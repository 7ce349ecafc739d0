namespace FineTuneMesh.Mesh.Jobs;

/// <summary>A training job's lifecycle; the last three are final.</summary>
public enum JobStatus
{
    Queued,
    Running,
    Succeeded,
    Failed,
    Cancelled,
}
