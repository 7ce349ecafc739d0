using static TorchSharp.torch;

namespace FineTuneMesh.Core.Modeling;

/// <summary>
/// A projection with a low-rank update added: y = base(x) + B(A(x)) · scaling. The model code stays
/// unaware of LoRA; the fused q/k/v and gate/up products and the single-token decode step use this
/// to run the base product once for all neighbours and add each update to its own slice.
/// </summary>
public interface ILowRankAdapted
{
    Projection BaseLayer { get; }

    /// <summary>A: [rank, in].</summary>
    Projection LoraA { get; }

    /// <summary>B: [out, rank].</summary>
    Projection LoraB { get; }

    double Scaling { get; }

    /// <summary>The update alone, B(A(x))·scaling (with dropout while training), for input [..., in].</summary>
    Tensor Update(Tensor input);
}
