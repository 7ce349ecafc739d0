using FineTuneMesh.Core.Kernels;
using FineTuneMesh.Core.Modeling;
using static TorchSharp.torch;

namespace FineTuneMesh.Core.Tests.Kernels;

/// <summary>
/// Both CPU classes' code paths, on whichever machine runs the tests: the decode kernel's AVX2 path
/// (AVX-512 turned off) and its AVX-512 path where the CPU has it, and GEMMs over bf16 weights
/// converted to fp32 (the path of CPUs without native bf16) or native, each against LibTorch's fp32 result.
/// </summary>
[Collection(IsaSwitchCollection.Name)]
public sealed class IsaPathTests
{
    public static TheoryData<KernelPath, ScalarType> DecodePaths()
    {
        var data = new TheoryData<KernelPath, ScalarType>();
        foreach (var path in KernelPaths.Available)
        {
            if (path != KernelPath.BFloat16Pairs)
            {
                data.Add(path, ScalarType.Float32);
            }

            data.Add(path, ScalarType.BFloat16);
        }

        return data;
    }

    [Theory]
    [MemberData(nameof(DecodePaths))]
    public void DecodeKernel_OnEachVectorPath_MatchesLinear(KernelPath path, ScalarType dtype) => KernelPaths.Run(path, () =>
    {
        using var scope = NewDisposeScope();
        using var noGrad = no_grad();
        var generator = new TorchSharp.torch.Generator(21);
        // Also rows of 8 (a rank-8 LoRA B), which the native kernel takes sixteen rows at a time.
        foreach (var (inFeatures, outFeatures) in new[] { (896, 1152), (77, 19), (4864, 896), (150, 33), (8, 300), (8, 37) })
        {
            var weight = randn([outFeatures, inFeatures], generator: generator).to(dtype);
            var x = randn([1, 1, inFeatures], generator: generator);
            var kernel = Projection.Apply(x, weight, null);
            // vdpbf16ps multiplies bf16 pairs: the activations are rounded to bf16 first, then every
            // product is exact in fp32, so only the order of the sums differs from LibTorch's.
            var input = path == KernelPath.BFloat16Pairs ? x.to(ScalarType.BFloat16).to(ScalarType.Float32) : x;
            var reference = nn.functional.linear(input, weight.to(ScalarType.Float32));
            var scale = reference.abs().max().item<float>();
            Assert.True(kernel.allclose(reference, rtol: 0, atol: 1e-5 * Math.Max(1, scale)),
                $"{path} {dtype} [{outFeatures},{inFeatures}]: max |diff| {(kernel - reference).abs().max().item<float>()}");
        }
    });

    [Theory]
    [MemberData(nameof(DecodePaths))]
    public unsafe void DecodeKernel_SeveralRowsAtOnce_GiveEachRowItsBitsAlone(KernelPath path, ScalarType dtype) => KernelPaths.Run(path, () =>
    {
        using var scope = NewDisposeScope();
        var generator = new TorchSharp.torch.Generator(8);
        foreach (var (rows, cols) in new[] { (300, 200), (37, 8) })
        {
            var weight = randn([rows, cols], generator: generator).to(dtype).contiguous();
            var x = randn([9, cols], generator: generator);
            var together = empty([9, rows]);
            var alone = empty([9, rows]);
            var matrix = WeightMatrix.Of(weight);
            var xp = (float*)x.DataPointer();
            var tp = (float*)together.DataPointer();
            var ap = (float*)alone.DataPointer();
            MatVec.Multiply(matrix, xp, tp, count: 9);                                             // four, four, then one
            for (var t = 0; t < 9; t++)
            {
                MatVec.Multiply(matrix, xp + t * cols, ap + t * rows);
            }

            Assert.True(together.equal(alone).all().item<bool>(), $"{path} {dtype} [{rows},{cols}]: max |diff| {(together - alone).abs().max().item<float>()}");
        }
    });

    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public void GemmOverBf16Weights_NativeOrConverted_MatchesFp32(bool native)
    {
        var saved = Projection.NativeBFloat16Gemms;
        Projection.NativeBFloat16Gemms = native;
        try
        {
            using var scope = NewDisposeScope();
            using var noGrad = no_grad();
            var generator = new TorchSharp.torch.Generator(5);
            var weight = randn([256, 128], generator: generator).mul_(0.05).to(ScalarType.BFloat16);
            var bias = randn([256], generator: generator).to(ScalarType.BFloat16);
            var x = randn([2, 16, 128], generator: generator);                                  // 32 rows: a GEMM, not the kernel

            var output = Projection.Apply(x, weight, bias);
            var reference = nn.functional.linear(x, weight.to(ScalarType.Float32), bias.to(ScalarType.Float32));

            Assert.Equal(ScalarType.Float32, output.dtype);
            // Converted: exact up to fp32 summation order. Native: the activations are rounded to bf16 first.
            var tolerance = native ? 0.05 : 1e-4;
            Assert.True(output.allclose(reference, rtol: 0, atol: tolerance),
                $"native={native}: max |diff| {(output - reference).abs().max().item<float>()}");
        }
        finally
        {
            Projection.NativeBFloat16Gemms = saved;
        }
    }

    [Fact]
    public void TrainingThroughConvertedBf16Weights_GivesGradientsToTheInput()
    {
        var saved = Projection.NativeBFloat16Gemms;
        Projection.NativeBFloat16Gemms = false;
        try
        {
            using var scope = NewDisposeScope();
            var weight = randn([8, 4]).to(ScalarType.BFloat16);
            var x = randn([3, 4]).requires_grad_(true);
            Projection.Apply(x, weight, null).sum().backward();
            var reference = x.detach().clone().requires_grad_(true);
            nn.functional.linear(reference, weight.to(ScalarType.Float32)).sum().backward();
            var diff = (x.grad! - reference.grad!).abs().max().item<float>();
            Assert.True(diff < 1e-5, $"max |diff| {diff}");
        }
        finally
        {
            Projection.NativeBFloat16Gemms = saved;
        }
    }
}

/// <summary>Tests that flip process-wide kernel switches run one at a time.</summary>
[CollectionDefinition(Name, DisableParallelization = true)]
public sealed class IsaSwitchCollection
{
    public const string Name = "ISA switches";
}
