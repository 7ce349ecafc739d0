using FineTuneMesh.Mesh.Jobs;
using FineTuneMesh.BaseModels;

namespace FineTuneMesh.Trainer.Worker.Jobs;

/// <summary>A job that passed validation: its spec, the base model it names, its records as JSONL when they came inline, and how many records it has.</summary>
public sealed record ValidatedJob(TrainingJobSpec Spec, BaseModel BaseModel, byte[]? InlineDataset, int Records);
