namespace FineTuneMesh.Core.Modeling;

/// <summary>What a model is loaded for: the fast dtype differs (training keeps every GEMM busy; serving is mostly decode, which is memory-bound).</summary>
public enum ComputeWork
{
    Inference,
    Training,
}
