using System.Diagnostics;
using static TorchSharp.torch;

namespace FineTuneMesh.Core.Kernels;

/// <summary>
/// Measures, once and in about 0.1 s, how fast LibTorch's bf16 matrix products run against fp32
/// ones on this machine. A CPU flag is not enough: an AVX512_BF16 Zen 4 ran bf16 F.linear at 2x
/// fp32, while an AVX512_BF16 Sapphire Rapids VM ran it at 0.5-0.6x (144-150 against 230-298
/// GFLOP/s), so "native bf16" is decided by the clock.
/// </summary>
internal static class GemmProbe
{
    /// <summary>bf16 throughput over fp32 throughput for a training-sized F.linear ([128,896]x[896,2432]).</summary>
    public static double BFloat16Speedup()
    {
        using var scope = NewDisposeScope();
        using var noGrad = no_grad();
        var generator = new TorchSharp.torch.Generator(7);
        var x = randn([128, 896], generator: generator);
        var w = randn([2432, 896], generator: generator).mul_(0.02);
        return BestSeconds(x, w) / BestSeconds(x.to(ScalarType.BFloat16), w.to(ScalarType.BFloat16));
    }

    private static double BestSeconds(Tensor x, Tensor w)
    {
        var best = double.MaxValue;
        for (var i = 0; i < 6; i++)
        {
            var clock = Stopwatch.StartNew();
            using var y = nn.functional.linear(x, w);
            // The first two warm the kernels and the thread pool.
            best = i < 2 ? best : Math.Min(best, clock.Elapsed.TotalSeconds);
        }

        return best;
    }
}
