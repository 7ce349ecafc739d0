using System.Text.Json;

namespace FineTuneMesh.Synth.Service.Jobs;

/// <summary>
/// "Train on the result": the training job's fields other than dataset and template, which the
/// synthesis job fills in. <see cref="Lora"/> and <see cref="Training"/> pass through to the trainer as given.
/// </summary>
public sealed record TrainHandoffRequest(string? AdapterName, string? BaseModel = null, JsonElement? Lora = null, JsonElement? Training = null);
