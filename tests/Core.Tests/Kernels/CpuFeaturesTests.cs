using FineTuneMesh.Core.Kernels;

namespace FineTuneMesh.Core.Tests.Kernels;

public sealed class CpuFeaturesTests
{
    // The flag lines of the two machines this project has run on (abridged to what matters, plus noise).
    public const string Zen1 = "flags\t\t: fpu sse sse2 avx f16c fma avx2 bmi2 sha_ni";
    public const string Zen4 = "flags\t\t: fpu sse2 avx fma avx2 avx512f avx512dq avx512bw avx512_vnni avx512_bf16 avx512_vbmi2 gfni";
    public const string SapphireRapids = "flags\t\t: avx2 fma avx512f avx_vnni avx512_vnni avx512_bf16 amx_bf16 amx_tile amx_int8";

    private static CpuFeatures Detect(string flags, params (string Key, string Value)[] environment) =>
        CpuFeatures.Detect(["model name\t: Test CPU", flags], key => environment.FirstOrDefault(e => e.Key == key).Value);

    [Theory]
    [InlineData(Zen1, "avx2", false, false)]
    [InlineData(Zen4, "avx512-bf16", true, true)]
    [InlineData(SapphireRapids, "avx512-bf16", true, true)]
    [InlineData("flags\t: sse2 avx", "baseline", false, false)]
    public void TheClass_AndWhetherBf16IsNative_ComeFromTheFlags(string flags, string cpuClass, bool nativeBf16, bool vnni)
    {
        var cpu = Detect(flags);
        Assert.Equal(cpuClass, cpu.Class);
        Assert.Equal(nativeBf16, cpu.NativeBFloat16);
        Assert.Equal(vnni, cpu.Vnni);
        Assert.Equal("Test CPU", cpu.Name);
        Assert.StartsWith("Test CPU (" + cpuClass, cpu.Describe());
    }

    [Fact]
    public void TheJitsAvx512Switch_TakesAvx512Away()
    {
        var cpu = Detect(Zen4, ("DOTNET_EnableAVX512F", "0"));
        Assert.Equal("avx2", cpu.Class);
        Assert.False(cpu.NativeBFloat16);
    }

    [Theory]
    [InlineData("ONEDNN_MAX_CPU_ISA", "AVX2")]
    [InlineData("ONEDNN_MAX_CPU_ISA", "AVX512_CORE")]
    [InlineData("ATEN_CPU_CAPABILITY", "avx2")]
    public void LibTorchHeldBelowBf16_MakesBf16Emulated(string variable, string value)
    {
        var cpu = Detect(Zen4, (variable, value));
        Assert.False(cpu.NativeBFloat16);
        Assert.True(cpu.Avx512);
    }

    [Fact]
    public void OneDnnAtOrAboveBf16_KeepsItNative() =>
        Assert.True(Detect(Zen4, ("ONEDNN_MAX_CPU_ISA", "AVX512_CORE_BF16")).NativeBFloat16);

    [Fact]
    public void TheOverride_KeepsOnlyTheListedFeatures_AndAddsNone()
    {
        Assert.Equal("avx2", Detect(SapphireRapids, (CpuFeatures.OverrideVariable, "avx2,fma")).Class);
        Assert.Equal("avx2", Detect(Zen1, (CpuFeatures.OverrideVariable, "avx2,fma,avx512f,avx512_bf16")).Class);
    }
}
