using FineTuneMesh.Core.Kernels;
using FineTuneMesh.Core.Modeling;
using FineTuneMesh.Core.Tests.Kernels;
using static TorchSharp.torch;

namespace FineTuneMesh.Core.Tests.Modeling;

/// <summary>The dtype choice for each CPU class and kind of work: auto is fast on both, and slow explicit choices say so.</summary>
public sealed class ComputePlanTests
{
    private static readonly CpuFeatures _avx2 = CpuFeatures.Detect([CpuFeaturesTests.Zen1], _ => null);
    private static readonly CpuFeatures _avx512Bf16 = CpuFeatures.Detect([CpuFeaturesTests.Zen4], _ => null);

    [Theory]
    [InlineData(null, ComputeWork.Training, ScalarType.Float32, ScalarType.Float32)]
    [InlineData("auto", ComputeWork.Inference, ScalarType.BFloat16, ScalarType.Float32)]
    [InlineData("bf16", ComputeWork.Training, ScalarType.BFloat16, ScalarType.Float32)]
    [InlineData("bf16", ComputeWork.Inference, ScalarType.BFloat16, ScalarType.Float32)]
    [InlineData("fp32", ComputeWork.Training, ScalarType.Float32, ScalarType.Float32)]
    public void OnAvx2_NoGemmRunsInBf16(string? requested, ComputeWork work, ScalarType weights, ScalarType gemm)
    {
        var plan = ComputePlan.Choose(requested, work, _avx2);
        Assert.Equal((weights, gemm), (plan.Weights, plan.Gemm));
        Assert.Equal(requested ?? "auto", plan.Requested);
    }

    [Theory]
    [InlineData(null, ComputeWork.Training)]
    [InlineData("auto", ComputeWork.Inference)]
    [InlineData("bf16", ComputeWork.Training)]
    public void WithNativeBf16_Bf16Throughout(string? requested, ComputeWork work)
    {
        var plan = ComputePlan.Choose(requested, work, _avx512Bf16);
        Assert.Equal((ScalarType.BFloat16, ScalarType.BFloat16), (plan.Weights, plan.Gemm));
        Assert.Null(plan.Warning);
    }

    [Fact]
    public void Q8_0_ServesInt8Weights_WithGemmsInWhatIsFastHere()
    {
        var avx2 = ComputePlan.Choose("q8_0", ComputeWork.Inference, _avx2);
        var zen4 = ComputePlan.Choose("q8_0", ComputeWork.Inference, _avx512Bf16);
        Assert.Equal((ScalarType.Int8, ScalarType.Float32), (avx2.Weights, avx2.Gemm));
        Assert.Equal((ScalarType.Int8, ScalarType.BFloat16), (zen4.Weights, zen4.Gemm));
        Assert.Equal("q8_0 (GEMMs fp32)", avx2.Summary);
        Assert.Contains("AVX2", avx2.Reason);
        // The kernel's VNNI path is the VEX-encoded one (AVX-VNNI); AVX512_VNNI alone runs the AVX2 path.
        Assert.Contains("AVX2", zen4.Reason);
        var sapphireRapids = CpuFeatures.Detect([CpuFeaturesTests.SapphireRapids], _ => null);
        Assert.Contains("AVX-VNNI", ComputePlan.Choose("q8_0", ComputeWork.Inference, sapphireRapids).Reason);
    }

    [Fact]
    public void Q8_0_ForTraining_TrainsAsAutoDoes()
    {
        foreach (var cpu in new[] { _avx2, _avx512Bf16 })
        {
            var plan = ComputePlan.Choose("q8_0", ComputeWork.Training, cpu);
            var auto = ComputePlan.Choose("auto", ComputeWork.Training, cpu);
            Assert.Equal((auto.Weights, auto.Gemm), (plan.Weights, plan.Gemm));
            Assert.Equal("q8_0", plan.Requested);
            Assert.Contains("serving format", plan.Reason);
        }
    }

    [Fact]
    public void Auto_NeverWarns()
    {
        foreach (var cpu in new[] { _avx2, _avx512Bf16 })
        {
            foreach (var work in Enum.GetValues<ComputeWork>())
            {
                Assert.Null(ComputePlan.Choose("auto", work, cpu).Warning);
            }
        }
    }

    [Fact]
    public void SlowExplicitChoices_WarnWithHowMuch()
    {
        Assert.Contains("2x slower", ComputePlan.Choose("fp32", ComputeWork.Training, _avx512Bf16).Warning);
        Assert.Contains("converts the frozen weights to fp32", ComputePlan.Choose("bf16", ComputeWork.Training, _avx2).Warning);
        Assert.Contains("double the bytes", ComputePlan.Choose("fp32", ComputeWork.Inference, _avx2).Warning);
        Assert.Null(ComputePlan.Choose("fp32", ComputeWork.Training, _avx2).Warning);
    }

    [Fact]
    public void TheReason_NamesTheCpuClass()
    {
        Assert.Contains("avx2 has no native bf16", ComputePlan.Choose(null, ComputeWork.Training, _avx2).Reason);
        Assert.Equal("bf16 (GEMMs fp32)", ComputePlan.Choose(null, ComputeWork.Inference, _avx2).Summary);
    }

    [Fact]
    public void AnUnknownDtype_IsRefusedWithTheChoices() =>
        Assert.Contains("use auto, fp32, bf16 or fp16", Assert.Throws<ArgumentException>(() => ComputePlan.Choose("int4", ComputeWork.Training, _avx2)).Message);

    [Fact]
    public void NativeBf16ThatMeasuresSlowerThanFp32_IsTreatedAsNotFast()
    {
        // An AVX512_BF16 Sapphire Rapids VM ran bf16 F.linear at 0.5-0.6x of fp32.
        var slow = _avx512Bf16 with { MeasuredBFloat16Speedup = 0.55 };
        Assert.False(slow.FastBFloat16);
        var training = ComputePlan.Choose(null, ComputeWork.Training, slow);
        Assert.Equal((ScalarType.Float32, ScalarType.Float32), (training.Weights, training.Gemm));
        Assert.Contains("measured 0.55x of fp32", training.Reason);
        var serving = ComputePlan.Choose(null, ComputeWork.Inference, slow);
        Assert.Equal((ScalarType.BFloat16, ScalarType.Float32), (serving.Weights, serving.Gemm));
        Assert.True((_avx512Bf16 with { MeasuredBFloat16Speedup = 1.9 }).FastBFloat16);
    }
}
