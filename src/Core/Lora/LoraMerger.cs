using FineTuneMesh.Core.Modeling;
using static TorchSharp.torch;

namespace FineTuneMesh.Core.Lora;

/// <summary>Folds every adapter into its base weight (W += B·A·scaling) and removes the wrappers.</summary>
public static class LoraMerger
{
    public static int Merge(CausalLanguageModel model)
    {
        var merged = 0;
        using var noGrad = no_grad();
        foreach (var layer in model.Model.Layers)
        {
            merged += Merge(layer.SelfAttention.Projections, layer.SelfAttention.ReplaceProjection);
            merged += Merge(layer.Mlp.Projections, layer.Mlp.ReplaceProjection);
        }

        return merged;
    }

    private static int Merge(IReadOnlyDictionary<string, nn.Module<Tensor, Tensor>> projections,
        Action<string, nn.Module<Tensor, Tensor>> replace)
    {
        var merged = 0;
        foreach (var (name, module) in projections.ToList())
        {
            if (module is not LoraLinear adapter)
            {
                continue;
            }

            if (adapter.BaseLayer.Weight.dtype == ScalarType.Int8)
            {
                throw new NotSupportedException("cannot merge an adapter into q8_0 (int8) base weights: load the base model in fp32 or bf16 to merge.");
            }

            using (NewDisposeScope())
            {
                var weight = adapter.BaseLayer.Weight;
                weight.copy_((weight.to(ScalarType.Float32) + adapter.Delta()).to(weight.dtype));
            }

            replace(name, adapter.BaseLayer);
            merged++;
        }

        return merged;
    }
}
