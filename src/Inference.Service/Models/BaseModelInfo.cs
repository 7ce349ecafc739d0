namespace FineTuneMesh.Inference.Service.Models;

/// <summary>What was loaded as the base model, and whether it is the tiny stand-in.</summary>
/// <param name="Requested">FINETUNE_BASE_MODEL as configured.</param>
/// <param name="Folder">The folder actually loaded.</param>
/// <param name="DType">fp32 or bf16.</param>
/// <param name="Fallback">True when a tiny random model stands in for the requested one.</param>
/// <param name="FallbackReason">Why the requested model was not loaded, or null.</param>
public sealed record BaseModelInfo(string? Requested, string Folder, string DType, bool Fallback, string? FallbackReason)
{
    /// <summary>The name adapters record as their base (<c>base_model_name_or_path</c>): a repo id, a folder, or builtin/tiny.</summary>
    public string? BaseName { get; init; }

    /// <summary>The dtypes chosen for this CPU, and why.</summary>
    public Mesh.Jobs.ComputeChoice? Compute { get; init; }
}
