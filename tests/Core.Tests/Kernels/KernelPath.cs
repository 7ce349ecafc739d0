using FineTuneMesh.Core.Kernels;

namespace FineTuneMesh.Core.Tests.Kernels;

/// <summary>The decode kernels' code paths: which of them a test runs is switched process-wide.</summary>
public enum KernelPath
{
    /// <summary>256-bit vectors, bf16 weights widened to fp32: every x86-64 CPU the engine supports.</summary>
    Avx2,

    /// <summary>512-bit vectors, bf16 weights widened to fp32.</summary>
    Avx512,

    /// <summary>bf16 weights times bf16-rounded activations with vdpbf16ps (the native library, AVX512_BF16).</summary>
    BFloat16Pairs,
}

public static class KernelPaths
{
    /// <summary>The paths this machine can run: AVX2 always, the others where the CPU (and the native library) allow.</summary>
    public static KernelPath[] Available =>
    [
        KernelPath.Avx2,
        .. System.Runtime.Intrinsics.X86.Avx512F.IsSupported ? [KernelPath.Avx512] : Array.Empty<KernelPath>(),
        .. NativeKernels.BFloat16DotProducts ? [KernelPath.BFloat16Pairs] : Array.Empty<KernelPath>(),
    ];

    /// <summary>Runs <paramref name="action"/> on <paramref name="path"/>, then puts the switches back (tests using this share <see cref="IsaSwitchCollection"/>).</summary>
    public static void Run(KernelPath path, Action action)
    {
        var (savedAvx512, savedPairs) = (MatVec.UseAvx512, MatVec.UseBFloat16DotProducts);
        MatVec.UseAvx512 = path != KernelPath.Avx2;
        MatVec.UseBFloat16DotProducts = path == KernelPath.BFloat16Pairs;
        try
        {
            action();
        }
        finally
        {
            (MatVec.UseAvx512, MatVec.UseBFloat16DotProducts) = (savedAvx512, savedPairs);
        }
    }
}
