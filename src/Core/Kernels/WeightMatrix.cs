using static TorchSharp.torch;

namespace FineTuneMesh.Core.Kernels;

/// <summary>
/// A weight matrix [rows, cols] as the decode kernels read it: the address of its row-major
/// storage, how each element is stored, and for q8_0 (int8 values) the address of its block
/// scales [rows, cols/32]. Made from contiguous CPU tensors, which must outlive every use of it.
/// </summary>
public readonly unsafe struct WeightMatrix
{
    private WeightMatrix(void* data, float* scales, ScalarType type, int rows, int cols)
    {
        Data = data;
        Scales = scales;
        Type = type;
        Rows = rows;
        Cols = cols;
    }

    public void* Data { get; }
    public float* Scales { get; }
    public ScalarType Type { get; }
    public int Rows { get; }
    public int Cols { get; }

    /// <summary>
    /// Whether the kernels read this weight directly: a contiguous fp32 or bf16 CPU matrix, or an
    /// int8 one with its fp32 block scales.
    /// </summary>
    public static bool Readable(Tensor weight, Tensor? scales = null) =>
        weight.dim() == 2 && weight.device_type == TorchSharp.DeviceType.CPU && weight.is_contiguous()
        && (weight.dtype is ScalarType.Float32 or ScalarType.BFloat16
            || (weight.dtype == ScalarType.Int8 && scales is not null && scales.dtype == ScalarType.Float32 && scales.is_contiguous()
                && scales.NumberOfElements * Q8Blocks.BlockSize == weight.NumberOfElements));

    public static WeightMatrix Of(Tensor weight, Tensor? scales = null) => Readable(weight, scales)
        ? new WeightMatrix((void*)weight.DataPointer(), scales is null ? null : (float*)scales.DataPointer(), weight.dtype,
            (int)weight.shape[0], (int)weight.shape[1])
        : throw new ArgumentException($"the kernels read contiguous fp32, bf16 or q8_0 CPU matrices, not {weight.dtype} [{string.Join(",", weight.shape)}].");

    /// <summary>Row <paramref name="row"/> widened to fp32 into <paramref name="destination"/> (Cols floats).</summary>
    public void ReadRow(long row, float* destination)
    {
        if (Type == ScalarType.Int8)
        {
            var blocks = Cols / Q8Blocks.BlockSize;
            Q8Blocks.Dequantize(new ReadOnlySpan<sbyte>((sbyte*)Data + row * Cols, Cols), new ReadOnlySpan<float>(Scales + row * blocks, blocks),
                new Span<float>(destination, Cols));
            return;
        }

        VectorMath.Widen(Type, (byte*)Data + row * Cols * (Type == ScalarType.BFloat16 ? 2 : 4), destination, Cols);
    }
}
