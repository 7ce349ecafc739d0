namespace FineTuneMesh.Core.Lora;

/// <summary>Which projections get adapters, and their rank, alpha and dropout (PEFT's LoraConfig).</summary>
public sealed record LoraSettings
{
    public static readonly string[] AllLinear = ["q_proj", "k_proj", "v_proj", "o_proj", "gate_proj", "up_proj", "down_proj"];

    public int Rank { get; init; } = 8;
    public double Alpha { get; init; } = 16;
    public double Dropout { get; init; }
    public IReadOnlyList<string> TargetModules { get; init; } = ["q_proj", "v_proj"];

    /// <summary>
    /// PEFT's <c>layers_to_transform</c>: the decoder layers that get adapters; null means every
    /// layer. Adapting only the upper layers lets training compute the frozen layers below once
    /// per example (<see cref="Training.FrozenPrefixCache"/>).
    /// </summary>
    public IReadOnlyList<int>? LayersToTransform { get; init; }

    /// <summary>Whether layer <paramref name="index"/> gets adapters.</summary>
    public bool Adapts(int index) => LayersToTransform is null || LayersToTransform.Contains(index);

    /// <summary>The lowest adapted layer: every layer below it stays frozen and adapter-free.</summary>
    public int FirstAdaptedLayer => LayersToTransform is { Count: > 0 } layers ? layers.Min() : 0;

    public double Scaling => Alpha / Rank;

    /// <summary>The target list with <c>all-linear</c> expanded; never lm_head or the embeddings.</summary>
    public IReadOnlyList<string> ResolvedTargets =>
        TargetModules.Contains("all-linear") ? AllLinear : TargetModules;

    public void Validate()
    {
        if (Rank <= 0)
        {
            throw new ArgumentException($"LoRA rank must be positive, got {Rank}.");
        }

        if (Alpha <= 0)
        {
            throw new ArgumentException($"LoRA alpha must be positive, got {Alpha}.");
        }

        if (Dropout is < 0 or >= 1)
        {
            throw new ArgumentException($"LoRA dropout must be in [0, 1), got {Dropout}.");
        }

        if (TargetModules.Count == 0)
        {
            throw new ArgumentException("LoRA needs at least one target module.");
        }

        if (LayersToTransform is { } layers && (layers.Count == 0 || layers.Any(l => l < 0) || layers.Distinct().Count() != layers.Count))
        {
            throw new ArgumentException("layers_to_transform must list distinct layer indices from 0, at least one (or be left out for every layer).");
        }

        var unknown = ResolvedTargets.Where(t => !AllLinear.Contains(t)).ToList();
        if (unknown.Count > 0)
        {
            throw new ArgumentException(
                $"unknown LoRA target(s) {string.Join(", ", unknown)}; use {string.Join(", ", AllLinear)} or all-linear (never lm_head or embeddings).");
        }
    }
}
