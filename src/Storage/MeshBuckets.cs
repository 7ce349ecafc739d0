namespace FineTuneMesh.Storage;

/// <summary>The buckets of the mesh, one per kind of artifact; every service creates them on start.</summary>
public static class MeshBuckets
{
    /// <summary>Training data as JSONL: uploaded, inline records of a job, synthesized sets.</summary>
    public const string Datasets = "datasets";

    /// <summary>Resumable training checkpoints, one folder per running job; removed when it ends.</summary>
    public const string Checkpoints = "checkpoints";

    /// <summary>Trained adapters: <c>{name}/v{N}/...</c> and <c>{name}/latest.json</c>.</summary>
    public const string Adapters = "adapters";

    /// <summary>Job records as JSON, the one source of truth for a job's state.</summary>
    public const string Jobs = "jobs";

    public static IReadOnlyList<string> All { get; } = [Datasets, Checkpoints, Adapters, Jobs];
}
