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

    public Projection(long inFeatures, long outFeatures, bool hasBias, Device? device, ScalarType dtype)
        : base(nameof(Projection))
    {
        Weight = new Parameter(empty([outFeatures, inFeatures], dtype, device));
        register_parameter("weight", Weight);
        if (hasBias)
        {
            Bias = new Parameter(zeros([outFeatures], dtype, device));
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
        if (rows > MaxKernelRows || is_grad_enabled() || !MatVec.IsSupported || weight.device_type != TorchSharp.DeviceType.CPU
            || weight.dtype is not (ScalarType.BFloat16 or ScalarType.Float32) || !weight.is_contiguous())
        {
            return nn.functional.linear(input, weight, bias);
        }

        using var scope = NewDisposeScope();
        var x = input.to(ScalarType.Float32).contiguous().view(rows, cols);
        var y = empty([rows, weight.shape[0]], ScalarType.Float32);
        for (var r = 0; r < rows; r++)
        {
            Multiply(x[r], weight, y[r]);
        }

        var output = y.view([.. input.shape[..^1], weight.shape[0]]).to(input.dtype);
        if (bias is not null)
        {
            output = output.add_(bias);
        }

        return output.MoveToOuterDisposeScope();
    }

    private static unsafe void Multiply(Tensor x, Tensor weight, Tensor y)
    {
        var (rows, cols) = ((int)weight.shape[0], (int)weight.shape[1]);
        var xp = (float*)x.DataPointer();
        var yp = (float*)y.DataPointer();
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
