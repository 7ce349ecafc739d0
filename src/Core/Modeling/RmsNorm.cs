using static TorchSharp.torch;

namespace FineTuneMesh.Core.Modeling;

/// <summary>Root-mean-square norm, computed in fp32 whatever the model dtype (as the reference does).</summary>
public sealed class RmsNorm : nn.Module<Tensor, Tensor>
{
    private readonly double _eps;

    public RmsNorm(long size, double eps, Device? device = null, ScalarType dtype = ScalarType.Float32)
        : base(nameof(RmsNorm))
    {
        _eps = eps;
        Weight = nn.Parameter(ones(size, DTypeNames.VectorDType(dtype), device));
        register_parameter("weight", Weight);
    }

    public TorchSharp.Modules.Parameter Weight { get; }

    public override Tensor forward(Tensor input)
    {
        using var scope = NewDisposeScope();
        var x = input.to(ScalarType.Float32);
        var variance = x.pow(2).mean([-1], keepdim: true);
        x = x * rsqrt(variance + _eps);
        return (Weight * x.to(input.dtype)).MoveToOuterDisposeScope();
    }
}
