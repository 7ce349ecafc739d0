using FineTuneMesh.Mesh.Jobs;

namespace FineTuneMesh.Synth.Service.Jobs;

/// <summary>
/// "Train on the result": the training job's own fields (the trainer's <see cref="TrainingJobSpec"/>)
/// other than the id, dataset and template, which the synthesis job fills in. Unset LoRA and
/// training settings take the trainer's defaults.
/// </summary>
public sealed record TrainHandoffRequest(
    string? AdapterName,
    string? BaseModel = null,
    string? BaseModelRevision = null,
    LoraSpec? Lora = null,
    TrainingSpec? Training = null);
