namespace FineTuneMesh.Inference.Service.Apis;

/// <summary>
/// The info endpoint's body: the fields every service reports, plus what was actually loaded.
/// <see cref="Fallback"/> is true when a tiny random model stands in for FINETUNE_BASE_MODEL.
/// </summary>
public sealed record InferenceInfo(
    string Service,
    string Version,
    string? BaseModel,
    string Environment,
    string? ModelFolder,
    string? Dtype,
    bool Fallback,
    string? FallbackReason,
    Mesh.Jobs.ComputeChoice? Compute);
