using static TorchSharp.torch;

namespace FineTuneMesh.Core.Modeling;

/// <summary>
/// Rotary position embedding in the rotate-half layout used by Hugging Face Qwen2 and Llama
/// (llama.cpp calls it NEOX). Angles are computed in fp32 and cast to the activation dtype.
/// </summary>
public sealed class RotaryEmbedding
{
    private readonly Tensor _inverseFrequencies; // [D/2] fp32
    private readonly float[] _inverseFrequencyValues; // the same, for the engine's token step

    public RotaryEmbedding(int headDim, double theta)
    {
        using var exponents = arange(0, headDim, 2, ScalarType.Int64).to(ScalarType.Float32) / headDim;
        _inverseFrequencies = (1.0f / pow(theta, exponents)).DetachFromDisposeScope();
        _inverseFrequencyValues = _inverseFrequencies.data<float>().ToArray();
    }

    /// <summary>cos and sin of one position's D/2 angles (what <see cref="Tables"/> holds for it, without LibTorch).</summary>
    public void Angles(long position, Span<float> cos, Span<float> sin)
    {
        for (var i = 0; i < _inverseFrequencyValues.Length; i++)
        {
            (sin[i], cos[i]) = MathF.SinCos(position * _inverseFrequencyValues[i]);
        }
    }

    /// <summary>Cos and sin tables for the given absolute positions, shaped [1, 1, T, D].</summary>
    public (Tensor Cos, Tensor Sin) Tables(long start, long length, ScalarType dtype)
    {
        var positions = arange(start, start + length, ScalarType.Float32);             // [T]
        var angles = outer(positions, _inverseFrequencies);                             // [T, D/2]
        var full = cat([angles, angles], -1);                                           // [T, D]
        return (full.cos().to(dtype).view(1, 1, length, -1), full.sin().to(dtype).view(1, 1, length, -1));
    }

    public static Tensor Apply(Tensor x, Tensor cos, Tensor sin) => x * cos + RotateHalf(x) * sin;

    private static Tensor RotateHalf(Tensor x)
    {
        var half = x.shape[^1] / 2;
        var first = x.narrow(-1, 0, half);
        var second = x.narrow(-1, half, half);
        return cat([-second, first], -1);
    }
}
