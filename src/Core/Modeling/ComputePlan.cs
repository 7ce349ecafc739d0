using FineTuneMesh.Core.Kernels;
using static TorchSharp.torch;

namespace FineTuneMesh.Core.Modeling;

/// <summary>
/// The dtype a model's weights are loaded in and the one its matrix products run in, chosen for
/// this CPU. <c>auto</c> (the default) keeps bf16 weights where that is fast or saves memory and
/// never runs a bf16 GEMM on a CPU that only emulates it; <c>fp32</c> and <c>bf16</c> are honoured
/// as asked, with a <see cref="Warning"/> where this CPU is known to be slow at them.
/// </summary>
/// <param name="Requested">auto, fp32, bf16, fp16 or q8_0, as configured.</param>
/// <param name="Weights">What the model is loaded in (decode reads these bytes).</param>
/// <param name="Gemm">What prefill and training matrix products compute in.</param>
/// <param name="Reason">Why, in a sentence.</param>
/// <param name="Warning">Set when the requested dtype is known to be slow on this CPU.</param>
public sealed record ComputePlan(string Requested, ScalarType Weights, ScalarType Gemm, string Reason, string? Warning)
{
    public const string Auto = "auto";

    /// <summary>"bf16 (GEMMs fp32)", the short form logs, records and tables show.</summary>
    public string Summary => Weights == Gemm ? DTypeNames.ToUserName(Weights) : $"{DTypeNames.ToUserName(Weights)} (GEMMs {DTypeNames.ToUserName(Gemm)})";

    public static ComputePlan Choose(string? requested, ComputeWork work, CpuFeatures cpu)
    {
        var asked = string.IsNullOrWhiteSpace(requested) ? Auto : requested.Trim().ToLowerInvariant();
        var native = cpu.FastBFloat16;
        var emulated = cpu.NativeBFloat16
            ? $"{cpu.Class} has native bf16, but bf16 GEMMs measured {cpu.MeasuredBFloat16Speedup:F2}x of fp32 on this machine"
            : $"{cpu.Class} has no native bf16 (AVX512_BF16 or AMX), so LibTorch would emulate bf16 GEMMs";
        if (asked == Auto)
        {
            return native
                ? new(Auto, ScalarType.BFloat16, ScalarType.BFloat16,
                    $"{cpu.Class}: native bf16 GEMMs{(cpu.MeasuredBFloat16Speedup is { } s ? $" ({s:F2}x fp32, measured)" : "")}, half the memory of fp32"
                    + (work == ComputeWork.Inference ? DecodeKernel(cpu) : ""), null)
                : work == ComputeWork.Training
                    ? new(Auto, ScalarType.Float32, ScalarType.Float32,
                        $"{emulated} (emulated bf16 trained 46x slower than fp32 on an AVX2 Zen 1): training runs in fp32", null)
                    : new(Auto, ScalarType.BFloat16, ScalarType.Float32,
                        $"{emulated}: bf16 weights (half the bytes decode reads, read by the decode kernels directly), prefill GEMMs in fp32", null);
        }

        var weights = DTypeNames.Parse(asked);
        if (weights == ScalarType.BFloat16 && work == ComputeWork.Inference && native)
        {
            return new(asked, weights, weights, "requested; native bf16 GEMMs here" + DecodeKernel(cpu), null);
        }

        if (weights == ScalarType.Int8)
        {
            if (work == ComputeWork.Training)
            {
                var stored = Choose(Auto, work, cpu);
                return stored with { Requested = asked, Reason = $"q8_0 is a serving format, so training computes as auto does: {stored.Reason}" };
            }

            var expanded = native ? ScalarType.BFloat16 : ScalarType.Float32;
            return new(asked, weights, expanded,
                $"q8_0 weights (int8 blocks of 32 with one scale each: 0.56x the bytes of bf16 for decode to read); decode runs integer dot products "
                + $"({(cpu.Has("avx_vnni") ? "AVX-VNNI" : "AVX2")}), prefill expands the weights to {DTypeNames.ToUserName(expanded)} for its GEMMs", null);
        }

        if (weights == ScalarType.Float32)
        {
            string? warning = native && work == ComputeWork.Training
                ? $"fp32 training on {cpu.Class}, which has fast native bf16: GEMMs {(cpu.MeasuredBFloat16Speedup is { } s ? $"{s:F1}x" : "about 2x")} slower than auto (bf16) here (2.2 vs 0.95-1.3 s/step at seq 128 on the Qwen2.5-0.5B shapes on a Zen 4)"
                : work == ComputeWork.Inference
                    ? "fp32 weights double the bytes every decoded token reads: decode ran at 0.55-0.65x of bf16 on both CPU classes measured (AVX-512 BF16 Zen 4: 11-12 vs 20-21 tok/s; AVX2 Zen 1: 5.8 vs 8.7-9.1); auto keeps bf16 weights"
                    : null;
            return new(asked, weights, weights, "requested", warning);
        }

        if (native && weights == ScalarType.BFloat16)
        {
            return new(asked, weights, weights, "requested; native bf16 GEMMs here", null);
        }

        // bf16 or fp16 weights without native 16-bit GEMMs: products convert the weights to fp32 per call.
        return new(asked, weights, ScalarType.Float32, $"requested; {emulated}, so GEMMs convert the weights to fp32",
            work == ComputeWork.Training
                ? $"{DTypeNames.ToUserName(weights)} training on {cpu.Class}: every step converts the frozen weights to fp32 for its GEMMs, which auto avoids by loading fp32 (see `bench train` for the cost here)"
                : null);
    }

    // How decode multiplies bf16 weights where the CPU could multiply bf16 pairs.
    private static string DecodeKernel(CpuFeatures cpu) => !cpu.Has("avx512_bf16")
        ? ""
        : NativeKernels.Loaded
            ? "; decode multiplies bf16 pairs (vdpbf16ps, the native kernels)"
            : $"; decode widens bf16 weights to fp32 ({NativeKernels.Problem})";
}
