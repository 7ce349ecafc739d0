using System.Text.Json.Serialization;
using FineTuneMesh.Mesh.Jobs;

namespace FineTuneMesh.Mesh.Adapters;

/// <summary>
/// manifest.json of an adapter version: what it was trained from (base model and revision, job,
/// settings), how the run went, and every file with its checksum.
/// </summary>
public sealed record AdapterManifest
{
    /// <summary>PEFT's name for the weights file, whose checksum identifies a version.</summary>
    public const string WeightsFileName = "adapter_model.safetensors";

    public required string Name { get; init; }
    public required int Version { get; init; }
    public required string JobId { get; init; }
    public required string BaseModel { get; init; }
    public string? BaseModelRevision { get; init; }
    public required LoraSpec Lora { get; init; }
    public required TrainingSpec Training { get; init; }
    public string? Template { get; init; }
    public required AdapterMetrics Metrics { get; init; }

    /// <summary>A multi-task adapter's tasks, each with its own held-out adherence; null for a single-dataset job.</summary>
    public IReadOnlyList<TaskResult>? Tasks { get; init; }

    /// <summary>Template adherence on the held-out records (over every task); null when the job had no template or no held-out split.</summary>
    public EvaluationSummary? Evaluation { get; init; }
    public required IReadOnlyList<AdapterFile> Files { get; init; }
    public DateTimeOffset CreatedAt { get; init; }

    /// <summary>The dtypes the adapter was trained in, and the CPU that chose them.</summary>
    public ComputeChoice? Compute { get; init; }

    [JsonIgnore]
    public string Prefix => VersionPrefix(Name, Version);

    /// <summary>Where a version's files live in the adapters bucket.</summary>
    public static string VersionPrefix(string name, int version) => $"{name}/v{version}/";

    public AdapterVersionRef ToRef() =>
        new(Name, Version, Files.FirstOrDefault(f => f.Name == WeightsFileName)?.Sha256 ?? "");
}
