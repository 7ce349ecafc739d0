namespace FineTuneMesh.Mesh.Jobs;

/// <summary>
/// A training job as submitted (REST body or queue message, the same JSON): which base model,
/// which data, which template, LoRA and training settings, and the adapter name to publish under.
/// <see cref="Id"/> is the idempotency key: a second submission with the same id never trains twice.
/// </summary>
public sealed record TrainingJobSpec
{
    public string? Id { get; init; }
    public string AdapterName { get; init; } = "";

    /// <summary>A Hugging Face repo id, a model folder, or <c>builtin/tiny</c>; empty: the mesh's configured base model.</summary>
    public string? BaseModel { get; init; }

    public string? BaseModelRevision { get; init; }
    public DatasetSource Dataset { get; init; } = new();

    /// <summary>A prompt template (<c>{field}</c> placeholders, trailing stop marker) for template records.</summary>
    public string? Template { get; init; }

    /// <summary>
    /// Several datasets, each with its own template or chat format, mixed by weight; instead of
    /// <see cref="Dataset"/>. Evaluation reports adherence per task.
    /// </summary>
    public IReadOnlyList<TaskSpec>? Tasks { get; init; }

    public LoraSpec Lora { get; init; } = new();
    public TrainingSpec Training { get; init; } = new();

    /// <summary>The sweep this job is a trial of, if any.</summary>
    public string? SweepId { get; init; }

    /// <summary>How the held-out records are answered after training to score template adherence.</summary>
    public EvaluationSpec Evaluation { get; init; } = new();
}
