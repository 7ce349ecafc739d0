using System.Runtime.CompilerServices;
using TensorPrimitives = System.Numerics.Tensors.TensorPrimitives;
using static TorchSharp.torch;

namespace FineTuneMesh.Core.Kernels;

/// <summary>
/// The small vector operations of a single-token step (a norm, rotary positions, attention over
/// the cache, SiLU), on fp32 rows in place. Each is a few microseconds; through LibTorch each
/// was a dispatch of its own, about 9 ms per token across 24 layers.
/// </summary>
public static unsafe class VectorMath
{
    /// <summary>Copies <paramref name="count"/> fp32 or bf16 values to fp32.</summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public static void Widen(ScalarType type, void* source, float* destination, int count)
    {
        if (type == ScalarType.Float32)
        {
            new ReadOnlySpan<float>(source, count).CopyTo(new Span<float>(destination, count));
            return;
        }

        if (type != ScalarType.BFloat16)
        {
            throw new ArgumentException($"cannot widen {type} to fp32.");
        }

        var bits = (ushort*)source;
        for (var i = 0; i < count; i++)
        {
            destination[i] = BitConverter.Int32BitsToSingle(bits[i] << 16);
        }
    }

    /// <summary>y += v, where v is a fp32 or bf16 tensor of y's length (a bias).</summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public static void AddTo(float* y, Tensor v)
    {
        var count = (int)v.NumberOfElements;
        if (v.dtype == ScalarType.Float32)
        {
            var span = new Span<float>(y, count);
            TensorPrimitives.Add(span, new ReadOnlySpan<float>((void*)v.DataPointer(), count), span);
            return;
        }

        var bits = (ushort*)v.DataPointer();
        for (var i = 0; i < count; i++)
        {
            y[i] += BitConverter.Int32BitsToSingle(bits[i] << 16);
        }
    }

    /// <summary>y = x / rms(x) · weight, with the mean of squares in fp32 (weight fp32 or bf16, scratch of n floats).</summary>
    public static void RmsNorm(float* x, Tensor weight, double eps, float* y, float* scratch, int n)
    {
        var input = new ReadOnlySpan<float>(x, n);
        var output = new Span<float>(y, n);
        var scale = (float)(1.0 / Math.Sqrt(TensorPrimitives.SumOfSquares(input) / n + eps));
        Widen(weight.dtype, (void*)weight.DataPointer(), scratch, n);
        TensorPrimitives.Multiply(input, scale, output);
        TensorPrimitives.Multiply(output, new ReadOnlySpan<float>(scratch, n), output);
    }

    /// <summary>Rotates one head's vector (rotate-half layout) by angles whose cos and sin are given (headDim/2 each).</summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public static void Rope(float* head, int headDim, float* cos, float* sin)
    {
        var half = headDim / 2;
        for (var i = 0; i < half; i++)
        {
            var (a, b) = (head[i], head[i + half]);
            head[i] = a * cos[i] - b * sin[i];
            head[i + half] = b * cos[i] + a * sin[i];
        }
    }

    /// <summary>
    /// One query head against <paramref name="length"/> cached keys and values of its key-value head
    /// ([length, headDim] rows): softmax(q·Kᵀ/√d)·V into <paramref name="output"/>.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public static void Attend(float* query, float* keys, float* values, int length, int headDim, float* scores, float* output)
    {
        var q = new ReadOnlySpan<float>(query, headDim);
        var scale = 1 / MathF.Sqrt(headDim);
        for (var s = 0; s < length; s++)
        {
            scores[s] = TensorPrimitives.Dot(q, new ReadOnlySpan<float>(keys + (long)s * headDim, headDim)) * scale;
        }

        var weights = new Span<float>(scores, length);
        TensorPrimitives.SoftMax(weights, weights);
        var result = new Span<float>(output, headDim);
        result.Clear();
        for (var s = 0; s < length; s++)
        {
            TensorPrimitives.MultiplyAdd(new ReadOnlySpan<float>(values + (long)s * headDim, headDim), scores[s], result, result);
        }
    }

    /// <summary>SwiGLU: output = silu(gate) · up.</summary>
    public static void SiluMultiply(float* gate, float* up, float* output, int n)
    {
        var g = new ReadOnlySpan<float>(gate, n);
        var result = new Span<float>(output, n);
        // silu(g) = g · sigmoid(g)
        TensorPrimitives.Sigmoid(g, result);
        TensorPrimitives.Multiply(result, g, result);
        TensorPrimitives.Multiply(result, new ReadOnlySpan<float>(up, n), result);
    }
}
