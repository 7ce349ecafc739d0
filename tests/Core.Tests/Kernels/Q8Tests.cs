using FineTuneMesh.Core.Kernels;
using FineTuneMesh.Core.Modeling;
using static TorchSharp.torch;

namespace FineTuneMesh.Core.Tests.Kernels;

/// <summary>
/// q8_0 blocks: the round trip's error bound, the matrix-vector kernel on each instruction path
/// against an independent scalar computation of the same integer products, and the expansion to
/// bf16 for prefill GEMMs against LibTorch's rounding.
/// </summary>
[Collection(IsaSwitchCollection.Name)]
public sealed unsafe class Q8Tests
{
    [Fact]
    public void RoundTrip_StaysWithinHalfAStepOfEachBlock()
    {
        var random = new Random(3);
        var row = Enumerable.Range(0, 256).Select(i => (float)(random.NextDouble() * 2 - 1) * (i % 64 == 0 ? 40 : 1)).ToArray();
        row.AsSpan(96, 32).Clear();                                                     // an all-zero block
        var values = new sbyte[row.Length];
        var scales = new float[row.Length / 32];
        Q8Blocks.Quantize(row, values, scales);
        var back = new float[row.Length];
        Q8Blocks.Dequantize(values, scales, back);

        Assert.All(values, v => Assert.InRange(v, -127, 127));
        Assert.Equal(0f, scales[3]);
        for (var i = 0; i < row.Length; i++)
        {
            // Half a step, plus what keeping the scale at fp16 precision moves the largest value.
            var bound = 0.5f * scales[i / 32] * 1.13f + 1e-7f;
            Assert.True(Math.Abs(row[i] - back[i]) <= bound, $"element {i}: {row[i]} came back as {back[i]} (bound {bound})");
        }
    }

    /// <summary>The plain AVX2 path, 256-bit VNNI where the JIT offers it, 512-bit VNNI (the native kernels) where the CPU has it.</summary>
    public static TheoryData<string> Paths()
    {
        var data = new TheoryData<string> { "avx2" };
        if (System.Runtime.Intrinsics.X86.AvxVnni.IsSupported)
        {
            data.Add("avx-vnni");
        }

        if (NativeKernels.Int8DotProducts && System.Runtime.Intrinsics.X86.Avx512F.IsSupported)
        {
            data.Add("avx512-vnni");
        }

        return data;
    }

    [Theory]
    [MemberData(nameof(Paths))]
    public void Kernel_OnEachPath_EqualsTheIntegerProducts(string path)
    {
        var saved = (Q8.UseVnni, Q8.UseNativeVnni, MatVec.UseAvx512);
        (Q8.UseVnni, Q8.UseNativeVnni) = (path == "avx-vnni", path == "avx512-vnni");
        MatVec.UseAvx512 = path == "avx512-vnni";
        try
        {
            var random = new Random(11);
            // One block, an odd number of blocks, a whole number of 16-block groups, and a part group.
            foreach (var (rows, cols) in new[] { (5, 32), (7, 96), (1152, 896), (300, 4864) })
            {
                var weights = Enumerable.Range(0, rows * cols).Select(_ => (float)(random.NextDouble() * 2 - 1)).ToArray();
                var x = Enumerable.Range(0, cols).Select(_ => (float)(random.NextDouble() * 4 - 2)).ToArray();
                var (q, s) = (new sbyte[weights.Length], new float[weights.Length / 32]);
                for (var r = 0; r < rows; r++)
                {
                    Q8Blocks.Quantize(weights.AsSpan(r * cols, cols), q.AsSpan(r * cols, cols), s.AsSpan(r * cols / 32, cols / 32));
                }

                var y = new float[rows];
                fixed (float* xp = x, sp = s, yp = y)
                fixed (sbyte* qp = q)
                {
                    Q8.Multiply(xp, qp, sp, yp, rows, cols);
                }

                var expected = ScalarReference(x, q, s, rows, cols);
                for (var r = 0; r < rows; r++)
                {
                    Assert.True(Math.Abs(y[r] - expected[r]) <= 1e-4 * Math.Max(1, Math.Abs(expected[r])),
                        $"{path} [{rows},{cols}] row {r}: {y[r]} vs {expected[r]}");
                }
            }
        }
        finally
        {
            (Q8.UseVnni, Q8.UseNativeVnni, MatVec.UseAvx512) = saved;
        }
    }

    [Fact]
    public void ExpandingToBf16_RoundsAsLibTorchDoes()
    {
        using var scope = NewDisposeScope();
        var weight = randn([64, 96], generator: new TorchSharp.torch.Generator(2));
        var (values, scales) = Quantize(weight);
        var dense = Q8Weights.Dequantize(values, scales, ScalarType.Float32);
        var bf16 = Q8Weights.Dequantize(values, scales, ScalarType.BFloat16);
        Assert.True(bf16.equal(dense.to(ScalarType.BFloat16)).all().item<bool>());
        Assert.True(dense.allclose(weight, rtol: 0, atol: weight.abs().max().item<float>() / 127 * 0.6));
    }

    /// <summary>x quantized as the kernel does, then each block's integer product in 64-bit, scaled in double.</summary>
    private static double[] ScalarReference(float[] x, sbyte[] q, float[] s, int rows, int cols)
    {
        var (xq, xs) = (new sbyte[cols], new float[cols / 32]);
        Q8Blocks.Quantize(x, xq, xs);
        var result = new double[rows];
        for (var r = 0; r < rows; r++)
        {
            for (var b = 0; b < cols / 32; b++)
            {
                long dot = 0;
                for (var i = b * 32; i < b * 32 + 32; i++)
                {
                    dot += xq[i] * q[r * cols + i];
                }

                result[r] += dot * (double)xs[b] * s[r * cols / 32 + b];
            }
        }

        return result;
    }

    private static (Tensor Values, Tensor Scales) Quantize(Tensor weight)
    {
        var (rows, cols) = (weight.shape[0], weight.shape[1]);
        var values = empty([rows, cols], ScalarType.Int8);
        var scales = Q8Weights.EmptyScales(rows, cols, CPU);
        Q8Weights.Quantize(values, scales, (start, count) => weight.narrow(0, start, count));
        return (values, scales);
    }
}
