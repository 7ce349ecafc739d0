using FineTuneMesh.Core.Lora;
using FineTuneMesh.Core.Modeling;

namespace FineTuneMesh.Cli.Commands;

/// <summary>
/// Model FLOPs per trained token of LoRA fine-tuning with frozen base weights (multiply-add = 2).
/// Base projections: forward 2·N plus backward for activations 2·N (no weight gradients) = 4·N.
/// lm_head: 4·V·H, but only at supervised (completion) positions, which is all the trainer projects.
/// Attention: forward QKᵀ and PV, 4·H·D per key, over (T+1)/2 keys on average (causal); backward
/// for activations twice that. Adapters: forward, input and weight gradients, 6·r·(in+out).
/// Norms, RoPE, SiLU, softmax and the optimiser are not counted.
/// </summary>
public sealed record TrainingFlops(double Linear, double LmHead, double Attention, double Adapters)
{
    public double Total => Linear + LmHead + Attention + Adapters;

    /// <summary>FLOPs per token at a sequence length, with <paramref name="completionFraction"/> of the tokens supervised.</summary>
    public static TrainingFlops PerToken(ModelConfig config, int sequenceLength, double completionFraction, LoraSettings lora)
    {
        var (hidden, inner, layers) = ((double)config.HiddenSize, (double)config.IntermediateSize, config.NumHiddenLayers);
        var (q, kv) = ((double)config.NumAttentionHeads * config.HeadDim, (double)config.KeyValueHeads * config.HeadDim);
        var shapes = new Dictionary<string, (double In, double Out)>
        {
            ["q_proj"] = (hidden, q), ["k_proj"] = (hidden, kv), ["v_proj"] = (hidden, kv), ["o_proj"] = (q, hidden),
            ["gate_proj"] = (hidden, inner), ["up_proj"] = (hidden, inner), ["down_proj"] = (inner, hidden),
        };
        var perLayer = shapes.Values.Sum(s => s.In * s.Out);
        var adapters = lora.ResolvedTargets.Sum(t => 6.0 * lora.Rank * (shapes[t].In + shapes[t].Out));
        var attentionForward = 4.0 * q * (sequenceLength + 1) / 2;
        return new TrainingFlops(
            Linear: 4 * layers * perLayer,
            LmHead: 4.0 * config.VocabSize * hidden * completionFraction,
            Attention: 3 * layers * attentionForward,
            Adapters: layers * adapters);
    }

    /// <summary>The parameters of the base projections (what 4·N counts).</summary>
    public static double LinearParameters(ModelConfig config) => PerToken(config, 1, 0, new LoraSettings()).Linear / 4;
}
