using static TorchSharp.torch;

namespace FineTuneMesh.Core.Modeling;

/// <summary>The SwiGLU feed-forward block: down(silu(gate(x)) * up(x)).</summary>
public sealed class Mlp : nn.Module<Tensor, Tensor>
{
    public Mlp(ModelConfig config, Device? device, ScalarType dtype) : base(nameof(Mlp))
    {
        var (hidden, inner) = (config.HiddenSize, config.IntermediateSize);
        Projections = new()
        {
            ["gate_proj"] = new Projection(hidden, inner, config.MlpBias, device, dtype),
            ["up_proj"] = new Projection(hidden, inner, config.MlpBias, device, dtype),
            ["down_proj"] = new Projection(inner, hidden, config.MlpBias, device, dtype),
        };
        foreach (var (name, module) in Projections)
        {
            register_module(name, module);
        }
    }

    /// <summary>The three projections by their checkpoint names; LoRA wraps entries of this map.</summary>
    public Dictionary<string, nn.Module<Tensor, Tensor>> Projections { get; }

    public override Tensor forward(Tensor x) =>
        Projections["down_proj"].call(nn.functional.silu(Projections["gate_proj"].call(x)) * Projections["up_proj"].call(x));
}
