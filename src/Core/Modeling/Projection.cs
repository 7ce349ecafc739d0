using FineTuneMesh.Core.Kernels;
using TorchSharp.Modules;
using static TorchSharp.torch;

namespace FineTuneMesh.Core.Modeling;

/// <summary>
/// A linear layer (<c>weight</c> [out, in], optional <c>bias</c>, the checkpoint's names) whose
/// inference path for a handful of rows — decoding — runs the <see cref="MatVec"/> kernel
/// instead of LibTorch's single-threaded GEMV. Anything that needs gradients, or more rows, goes
/// through <c>nn.functional.linear</c>, so training and prefill are unchanged.
/// </summary>
public sealed class Projection : nn.Module<Tensor, Tensor>
{
    // Up to this many activation rows the kernel (one weight pass per row) beats a GEMM.
    private const long MaxKernelRows = 2;

    /// <summary>
    /// Whether bf16 GEMMs are native and fast here. Where they are not, LibTorch emulates them (46x
    /// slower training on an AVX2 Zen 1) or runs them slower than fp32 (0.5-0.6x on a Sapphire Rapids
    /// VM), so GEMMs over 16-bit weights convert the weights to fp32 per call
    /// instead: the conversion streams the weights once, which is small beside the product.
    /// Tests flip it to run both paths on one machine.
    /// </summary>
    internal static bool NativeBFloat16Gemms { get; set; } = CpuFeatures.Current.FastBFloat16;

    /// <summary>An empty [out, in] projection in <paramref name="dtype"/>; <see cref="ScalarType.Int8"/> means q8_0 (int8 values, fp32 block scales and bias).</summary>
    public Projection(long inFeatures, long outFeatures, bool hasBias, Device? device, ScalarType dtype)
        : this(empty([outFeatures, inFeatures], dtype, device), hasBias ? zeros([outFeatures], DTypeNames.VectorDType(dtype), device) : null,
            dtype == ScalarType.Int8 ? Q8Weights.EmptyScales(outFeatures, inFeatures, device) : null)
    {
    }

    /// <summary>A projection over existing storage (see <see cref="FusedProjections"/>): [out, in], [out] and, for q8_0, [out, in/32].</summary>
    public Projection(Tensor weight, Tensor? bias, Tensor? scale = null) : base(nameof(Projection))
    {
        Weight = new Parameter(weight, requires_grad: weight.is_floating_point());
        register_parameter("weight", Weight);
        if (bias is not null)
        {
            Bias = new Parameter(bias);
            register_parameter("bias", Bias);
        }

        // Not a parameter or buffer: the checkpoint has no such key; the loader fills it while quantizing.
        Scale = scale;
    }

    public Parameter Weight { get; }
    public Parameter? Bias { get; }

    /// <summary>The q8_0 block scales [out, in/32] when <see cref="Weight"/> holds int8 values; null otherwise.</summary>
    public Tensor? Scale { get; }

    public override Tensor forward(Tensor input) => Apply(input, Weight, Bias, Scale);

    /// <summary>input [..., in] → [..., out], via the kernel when it applies.</summary>
    public static Tensor Apply(Tensor input, Tensor weight, Tensor? bias, Tensor? scale = null)
    {
        var cols = weight.shape[1];
        var rows = input.NumberOfElements / cols;
        var needsGradient = is_grad_enabled() && (input.requires_grad || weight.requires_grad || (bias?.requires_grad ?? false));
        if (weight.dtype == ScalarType.Int8)
        {
            return rows > MaxKernelRows || needsGradient || !Q8.IsSupported || !WeightMatrix.Readable(weight, scale)
                ? ApplyDequantized(input, weight, bias, scale ?? throw new ArgumentException("int8 (q8_0) weights need their block scales."))
                : ApplyKernel(input, WeightMatrix.Of(weight, scale), bias);
        }

        if (rows > MaxKernelRows || needsGradient || !MatVec.IsSupported || weight.device_type != TorchSharp.DeviceType.CPU
            || weight.dtype is not (ScalarType.BFloat16 or ScalarType.Float32) || !weight.is_contiguous())
        {
            if (weight.dtype is ScalarType.BFloat16 or ScalarType.Float16 && !(weight.dtype == ScalarType.BFloat16 && NativeBFloat16Gemms)
                && weight.is_contiguous())
            {
                return LinearInRowBlocks(input, weight, bias, ScalarType.Float32, (start, count) => weight.narrow(0, start, count).to(ScalarType.Float32));
            }

            return input.dtype == weight.dtype
                ? nn.functional.linear(input, weight, bias)
                : nn.functional.linear(input.to(weight.dtype), weight, bias).to(input.dtype);
        }

        return ApplyKernel(input, WeightMatrix.Of(weight), bias);
    }

    /// <summary>One kernel pass over the weights per activation row.</summary>
    private static unsafe Tensor ApplyKernel(Tensor input, WeightMatrix weight, Tensor? bias)
    {
        using var scope = NewDisposeScope();
        var (cols, outFeatures) = (weight.Cols, weight.Rows);
        var rows = input.NumberOfElements / cols;
        var x = input.dtype == ScalarType.Float32 && input.is_contiguous() ? input : input.to(ScalarType.Float32).contiguous();
        var y = empty([.. input.shape[..^1], outFeatures], ScalarType.Float32);
        var xp = (float*)x.DataPointer();
        var yp = (float*)y.DataPointer();
        for (var r = 0L; r < rows; r++)
        {
            MatVec.Multiply(weight, xp + r * cols, yp + r * outFeatures);
        }

        var output = input.dtype == ScalarType.Float32 ? y : y.to(input.dtype);
        if (bias is not null)
        {
            output = output.add_(bias);
        }

        return output.MoveToOuterDisposeScope();
    }

    /// <summary>
    /// A GEMM over q8_0 weights (prefill, training on an int8 base): the weights are expanded per
    /// call to bf16 where bf16 GEMMs are native and fast, else fp32, as llama.cpp does for its
    /// quantized matrix products over many rows.
    /// </summary>
    private static Tensor ApplyDequantized(Tensor input, Tensor weight, Tensor? bias, Tensor scale)
    {
        var gemm = NativeBFloat16Gemms ? ScalarType.BFloat16 : ScalarType.Float32;
        return LinearInRowBlocks(input, weight, bias, gemm,
            (start, count) => Q8Weights.Dequantize(weight.narrow(0, start, count), scale.narrow(0, start, count), gemm));
    }

    // Expanded weights are made a band of rows at a time: a whole expanded gate/up matrix (35 MB
    // in fp32) is above glibc's largest mmap threshold, so each call faulted in fresh zeroed pages;
    // bands this size are reused from the heap.
    private const long ExpandedBandBytes = 8L << 20;

    /// <summary>
    /// y = x·Wᵀ + b with W expanded to <paramref name="gemm"/> by <paramref name="expand"/> (start row,
    /// row count) one band of rows at a time, each band's GEMM writing its own output columns.
    /// </summary>
    private static Tensor LinearInRowBlocks(Tensor input, Tensor weight, Tensor? bias, ScalarType gemm, Func<long, long, Tensor> expand)
    {
        using var scope = NewDisposeScope();
        var (outFeatures, inFeatures) = (weight.shape[0], weight.shape[1]);
        var band = Math.Max(1, ExpandedBandBytes / (inFeatures * (gemm == ScalarType.Float32 ? 4 : 2)));
        var x = input.to(gemm);
        var b = bias?.to(gemm);
        var parts = new List<Tensor>();
        for (var start = 0L; start < outFeatures; start += band)
        {
            var count = Math.Min(band, outFeatures - start);
            using var expanded = expand(start, count);
            parts.Add(nn.functional.linear(x, expanded, b?.narrow(0, start, count)));
        }

        var output = (parts.Count == 1 ? parts[0] : cat(parts, -1)).to(input.dtype);
        return output.MoveToOuterDisposeScope();
    }

    protected override void Dispose(bool disposing)
    {
        base.Dispose(disposing);
        if (disposing)
        {
            Scale?.Dispose();
        }
    }
}
