using FineTuneMesh.Core.Modeling;
using static TorchSharp.torch;

namespace FineTuneMesh.Core.Lora;

/// <summary>
/// Swaps target projections of a loaded model for <see cref="LoraLinear"/> wrappers, so the model
/// code stays LoRA-agnostic (torchtune's approach). Every base parameter is frozen: afterwards the
/// only trainable parameters are the adapters' lora_A and lora_B.
/// </summary>
public static class LoraApplier
{
    public static IReadOnlyDictionary<string, LoraLinear> Apply(CausalLanguageModel model, LoraSettings settings, long seed = 0)
    {
        settings.Validate();
        foreach (var parameter in model.parameters())
        {
            parameter.requires_grad = false;
        }

        var generator = new TorchSharp.torch.Generator((ulong)seed);
        var targets = settings.ResolvedTargets.ToHashSet();
        var adapters = new Dictionary<string, LoraLinear>();
        if (settings.LayersToTransform?.FirstOrDefault(l => l >= model.Model.Layers.Count, -1) is { } outside and >= 0)
        {
            throw new ArgumentException($"layers_to_transform names layer {outside}, but the model has {model.Model.Layers.Count} layers (0-{model.Model.Layers.Count - 1}).");
        }

        for (var i = 0; i < model.Model.Layers.Count; i++)
        {
            if (!settings.Adapts(i))
            {
                continue;
            }

            var layer = model.Model.Layers[i];
            Wrap(layer.SelfAttention.Projections, layer.SelfAttention.ReplaceProjection, $"model.layers.{i}.self_attn", targets, settings, generator, adapters);
            Wrap(layer.Mlp.Projections, layer.Mlp.ReplaceProjection, $"model.layers.{i}.mlp", targets, settings, generator, adapters);
        }

        return adapters;
    }

    private static void Wrap(IReadOnlyDictionary<string, nn.Module<Tensor, Tensor>> projections,
        Action<string, nn.Module<Tensor, Tensor>> replace, string prefix,
        HashSet<string> targets, LoraSettings settings, TorchSharp.torch.Generator generator, Dictionary<string, LoraLinear> adapters)
    {
        foreach (var name in projections.Keys.Where(targets.Contains).ToList())
        {
            if (projections[name] is not Projection projection)
            {
                throw new InvalidOperationException($"{prefix}.{name} already has an adapter.");
            }

            var adapter = new LoraLinear(projection, settings, generator);
            replace(name, adapter);
            adapters[$"{prefix}.{name}"] = adapter;
        }
    }
}
