namespace FineTuneMesh.Mesh.Jobs;

/// <summary>The LoRA part of a job, with PEFT's defaults for what it leaves out.</summary>
public sealed record LoraSpec
{
    public int Rank { get; init; } = 8;
    public double Alpha { get; init; } = 16;
    public double Dropout { get; init; }
    public IReadOnlyList<string> Targets { get; init; } = ["q_proj", "v_proj"];

    /// <summary>The decoder layers to adapt (PEFT's layers_to_transform); null for every layer.</summary>
    public IReadOnlyList<int>? LayersToTransform { get; init; }
}
