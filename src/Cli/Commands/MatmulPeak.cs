using System.Diagnostics;
using static TorchSharp.torch;

namespace FineTuneMesh.Cli.Commands;

/// <summary>
/// Measures what this machine's matrix product reaches, in the benchmark's own run: the ceiling
/// that model FLOP utilisation is quoted against. The weight is [out, in] and goes through
/// <c>nn.functional.linear</c>, the layout and call every projection uses.
/// </summary>
public static class MatmulPeak
{
    /// <returns>GFLOP/s of [rows, inFeatures] x [inFeatures, outFeatures], best of a few repetitions</returns>
    public static double Measure(ScalarType dtype, long rows = 512, long inFeatures = 896, long outFeatures = 4864, int repetitions = 6)
    {
        using var scope = NewDisposeScope();
        using var noGrad = no_grad();
        var generator = new TorchSharp.torch.Generator(7);
        var x = randn([rows, inFeatures], ScalarType.Float32, generator: generator).to(dtype);
        var w = randn([outFeatures, inFeatures], ScalarType.Float32, generator: generator).mul_(0.02).to(dtype);
        var best = double.MaxValue;
        for (var i = 0; i < repetitions + 2; i++)
        {
            using var inner = NewDisposeScope();
            var clock = Stopwatch.StartNew();
            nn.functional.linear(x, w);                                                      // CPU ops run synchronously
            var seconds = clock.Elapsed.TotalSeconds;
            if (i >= 2)
            {
                best = Math.Min(best, seconds);                                              // the first calls set kernels up
            }
        }

        return 2.0 * rows * inFeatures * outFeatures / best / 1e9;
    }
}
