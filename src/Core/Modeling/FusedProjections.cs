using static TorchSharp.torch;

namespace FineTuneMesh.Core.Modeling;

/// <summary>
/// Projections that read the same input (q/k/v; gate/up) with their weights laid out as row
/// blocks of one matrix. Each part is still an ordinary <see cref="Projection"/> with its own
/// checkpoint name (its weight is a view), but together they run as one matrix product: one pass
/// over the weights and one kernel call instead of several small ones.
/// </summary>
public sealed class FusedProjections : IDisposable
{
    private readonly long[] _sizes;

    public FusedProjections(long inFeatures, long[] outFeatures, bool hasBias, Device? device, ScalarType dtype)
    {
        _sizes = outFeatures;
        var total = outFeatures.Sum();
        Weight = empty([total, inFeatures], dtype, device).DetachFromDisposeScope();
        Bias = hasBias ? zeros([total], DTypeNames.VectorDType(dtype), device).DetachFromDisposeScope() : null;
        Scale = dtype == ScalarType.Int8 ? Q8Weights.EmptyScales(total, inFeatures, device).DetachFromDisposeScope() : null;
        var parts = new List<Projection>();
        long offset = 0;
        foreach (var size in outFeatures)
        {
            parts.Add(new Projection(Weight.narrow(0, offset, size), Bias?.narrow(0, offset, size), Scale?.narrow(0, offset, size)));
            offset += size;
        }

        Parts = parts;
    }

    public Tensor Weight { get; }
    public Tensor? Bias { get; }

    /// <summary>q8_0 block scales [total, in/32] when the weights are int8.</summary>
    public Tensor? Scale { get; }
    public IReadOnlyList<Projection> Parts { get; }

    /// <summary>Whether the given modules are still exactly these parts (not wrapped, e.g. by LoRA).</summary>
    public bool Intact(params nn.Module<Tensor, Tensor>[] modules) =>
        modules.Length == Parts.Count && modules.Select((m, i) => ReferenceEquals(m, Parts[i])).All(same => same);

    /// <summary>All parts' outputs for one input, in order.</summary>
    public Tensor[] Apply(Tensor input) => Projection.Apply(input, Weight, Bias, Scale).split(_sizes, -1);

    /// <summary>
    /// The outputs of <paramref name="modules"/> (what stands under the parts' names now) for one
    /// input: one fused product where each is a part itself or a low-rank update around one (LoRA),
    /// the updates added to their slices; each module on its own otherwise.
    /// </summary>
    public Tensor[] Apply(Tensor input, IReadOnlyList<nn.Module<Tensor, Tensor>> modules)
    {
        if (!Intact([.. modules.Select(m => m is ILowRankAdapted a ? a.BaseLayer : m)]))
        {
            return [.. modules.Select(m => m.call(input))];
        }

        var outputs = Apply(input);
        for (var i = 0; i < outputs.Length; i++)
        {
            if (modules[i] is ILowRankAdapted adapted)
            {
                outputs[i] = outputs[i] + adapted.Update(input);
            }
        }

        return outputs;
    }

    /// <summary>
    /// Points this block's buffer and its parts' views at <paramref name="source"/>'s storage: no
    /// copy, the same weights in memory. Its own storage is freed once nothing refers to it.
    /// </summary>
    public void ShareStorageWith(FusedProjections source)
    {
        using var noGrad = no_grad();
        Weight.set_(source.Weight);
        Bias?.set_(source.Bias!);
        Scale?.set_(source.Scale!);
        for (var i = 0; i < Parts.Count; i++)
        {
            Parts[i].Weight.set_(source.Parts[i].Weight);
            Parts[i].Bias?.set_(source.Parts[i].Bias!);
            Parts[i].Scale?.set_(source.Parts[i].Scale!);
        }
    }

    /// <summary>Releases the shared buffers (the parts' views are released with their module).</summary>
    public void Dispose()
    {
        Weight.Dispose();
        Bias?.Dispose();
        Scale?.Dispose();
    }
}
