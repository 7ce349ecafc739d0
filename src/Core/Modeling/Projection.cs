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

    public Projection(long inFeatures, long outFeatures, bool hasBias, Device? device, ScalarType dtype)
        : this(empty([outFeatures, inFeatures], dtype, device), hasBias ? zeros([outFeatures], dtype, device) : null)
    {
    }

    /// <summary>A projection over existing storage (see <see cref="FusedProjections"/>): [out, in] and [out].</summary>
    public Projection(Tensor weight, Tensor? bias) : base(nameof(Projection))
    {
        Weight = new Parameter(weight);
        register_parameter("weight", Weight);
        if (bias is not null)
        {
            Bias = new Parameter(bias);
            register_parameter("bias", Bias);
        }
    }

    public Parameter Weight { get; }
    public Parameter? Bias { get; }

    public override Tensor forward(Tensor input) => Apply(input, Weight, Bias);

    /// <summary>input [..., in] → [..., out], via the kernel when it applies.</summary>
    public static Tensor Apply(Tensor input, Tensor weight, Tensor? bias)
    {
        var cols = weight.shape[1];
        var rows = input.NumberOfElements / cols;
        var needsGradient = is_grad_enabled() && (input.requires_grad || weight.requires_grad || (bias?.requires_grad ?? false));
        if (rows > MaxKernelRows || needsGradient || !MatVec.IsSupported || weight.device_type != TorchSharp.DeviceType.CPU
            || weight.dtype is not (ScalarType.BFloat16 or ScalarType.Float32) || !weight.is_contiguous())
        {
            if (weight.dtype is ScalarType.BFloat16 or ScalarType.Float16 && !(weight.dtype == ScalarType.BFloat16 && NativeBFloat16Gemms))
            {
                return nn.functional.linear(input.to(ScalarType.Float32), weight.to(ScalarType.Float32), bias?.to(ScalarType.Float32)).to(input.dtype);
            }

            return input.dtype == weight.dtype
                ? nn.functional.linear(input, weight, bias)
                : nn.functional.linear(input.to(weight.dtype), weight, bias).to(input.dtype);
        }

        using var scope = NewDisposeScope();
        var x = input.dtype == ScalarType.Float32 && input.is_contiguous() ? input : input.to(ScalarType.Float32).contiguous();
        var y = empty([.. input.shape[..^1], weight.shape[0]], ScalarType.Float32);
        var outFeatures = weight.shape[0];
        for (var r = 0L; r < rows; r++)
        {
            Multiply(x, r * cols, weight, y, r * outFeatures);
        }

        var output = input.dtype == ScalarType.Float32 ? y : y.to(input.dtype);
        if (bias is not null)
        {
            output = output.add_(bias);
        }

        return output.MoveToOuterDisposeScope();
    }

    private static unsafe void Multiply(Tensor x, long xOffset, Tensor weight, Tensor y, long yOffset)
    {
        var (rows, cols) = ((int)weight.shape[0], (int)weight.shape[1]);
        var xp = (float*)x.DataPointer() + xOffset;
        var yp = (float*)y.DataPointer() + yOffset;
        if (weight.dtype == ScalarType.BFloat16)
        {
            MatVec.BFloat16(xp, (ushort*)weight.DataPointer(), yp, rows, cols);
        }
        else
        {
            MatVec.Float32(xp, (float*)weight.DataPointer(), yp, rows, cols);
        }
    }
}
