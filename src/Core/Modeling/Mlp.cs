using static TorchSharp.torch;

namespace FineTuneMesh.Core.Modeling;

/// <summary>The SwiGLU feed-forward block: down(silu(gate(x)) * up(x)).</summary>
public sealed class Mlp : nn.Module<Tensor, Tensor>
{
    private readonly Dictionary<string, nn.Module<Tensor, Tensor>> _projections;
    private readonly FusedProjections _gateUp;

    public Mlp(ModelConfig config, Device? device, ScalarType dtype) : base(nameof(Mlp))
    {
        var (hidden, inner) = (config.HiddenSize, config.IntermediateSize);
        _gateUp = new FusedProjections(hidden, [inner, inner], config.MlpBias, device, dtype);
        _projections = new()
        {
            ["gate_proj"] = _gateUp.Parts[0],
            ["up_proj"] = _gateUp.Parts[1],
            ["down_proj"] = new Projection(inner, hidden, config.MlpBias, device, dtype),
        };
        foreach (var (name, module) in _projections)
        {
            register_module(name, module);
        }
    }

    /// <summary>The three projections by their checkpoint names; LoRA wraps entries of this map.</summary>
    public IReadOnlyDictionary<string, nn.Module<Tensor, Tensor>> Projections => _projections;

    /// <summary>gate/up as row blocks of one matrix (the single-token step reads it directly).</summary>
    internal FusedProjections GateUp => _gateUp;

    /// <summary>Shares the fused weight buffer with the same block of another model (see <see cref="CausalLanguageModel.ShareWeightsFrom"/>).</summary>
    internal void ShareFusedWeightsWith(Mlp source) => _gateUp.ShareStorageWith(source._gateUp);

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

    public override Tensor forward(Tensor x)
    {
        var (gate, up) = (_projections["gate_proj"], _projections["up_proj"]);
        var gateUp = _gateUp.Apply(x, [gate, up]);
        return _projections["down_proj"].call(nn.functional.silu(gateUp[0]) * gateUp[1]);
    }

    protected override void Dispose(bool disposing)
    {
        base.Dispose(disposing);
        if (disposing)
        {
            _gateUp.Dispose();
        }
    }
}
