namespace FineTuneMesh.Core.Modeling;

/// <summary>
/// A projection with a low-rank update added: y = base(x) + B(A(x)) · scaling. The model code stays
/// unaware of LoRA; the single-token decode step uses this to run the base product in its own
/// kernels (fused with its neighbours) and add the update after.
/// </summary>
public interface ILowRankAdapted
{
    Projection BaseLayer { get; }

    /// <summary>A: [rank, in].</summary>
    Projection LoraA { get; }

    /// <summary>B: [out, rank].</summary>
    Projection LoraB { get; }

    double Scaling { get; }
}
