using static TorchSharp.torch;

namespace FineTuneMesh.Core.Modeling;

/// <summary>The SwiGLU feed-forward block: down(silu(gate(x)) * up(x)).</summary>
public sealed class Mlp : nn.Module<Tensor, Tensor>
{
    private readonly Dictionary<string, nn.Module<Tensor, Tensor>> _projections;
    public Mlp(ModelConfig config, Device? device, ScalarType dtype) : base(nameof(Mlp))
    {
        var (hidden, inner) = (config.HiddenSize, config.IntermediateSize);
        _projections = new()
        {
            ["gate_proj"] = new Projection(hidden, inner, config.MlpBias, device, dtype),
            ["up_proj"] = new Projection(hidden, inner, config.MlpBias, device, dtype),
            ["down_proj"] = new Projection(inner, hidden, config.MlpBias, device, dtype),
        };
        foreach (var (name, module) in _projections)
        {
            register_module(name, module);
        }
    }

    /// <summary>The three projections by their checkpoint names; LoRA wraps entries of this map.</summary>
    public IReadOnlyDictionary<string, nn.Module<Tensor, Tensor>> Projections => _projections;

    /// <summary>Swaps a projection under the same checkpoint name (LoRA wraps and unwraps them).</summary>
    public void ReplaceProjection(string name, nn.Module<Tensor, Tensor> module)
    {
        if (!Projections.ContainsKey(name))
        {
            throw new ArgumentException($"the MLP block has no projection '{name}'.");
        }

        _projections[name] = module;
        _internal_submodules[name] = module;
    }

    public override Tensor forward(Tensor x) =>
        _projections["down_proj"].call(nn.functional.silu(_projections["gate_proj"].call(x)) * _projections["up_proj"].call(x));
}
