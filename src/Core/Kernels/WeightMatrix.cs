using static TorchSharp.torch;

namespace FineTuneMesh.Core.Kernels;

/// <summary>
/// A weight matrix [rows, cols] as the decode kernels read it: the address of its row-major
/// storage and how each element is stored. Made from a contiguous CPU tensor; the tensor must
/// outlive every use of this value.
/// </summary>
public readonly unsafe struct WeightMatrix
{
    private WeightMatrix(void* data, ScalarType type, int rows, int cols)
    {
        Data = data;
        Type = type;
        Rows = rows;
        Cols = cols;
    }

    public void* Data { get; }
    public ScalarType Type { get; }
    public int Rows { get; }
    public int Cols { get; }

    /// <summary>Whether the kernels read this tensor directly: a contiguous fp32 or bf16 matrix in CPU memory.</summary>
    public static bool Readable(Tensor weight) =>
        weight.dim() == 2 && weight.device_type == TorchSharp.DeviceType.CPU
        && weight.dtype is ScalarType.Float32 or ScalarType.BFloat16 && weight.is_contiguous();

    public static WeightMatrix Of(Tensor weight) => Readable(weight)
        ? new WeightMatrix((void*)weight.DataPointer(), weight.dtype, (int)weight.shape[0], (int)weight.shape[1])
        : throw new ArgumentException($"the kernels read contiguous fp32 or bf16 CPU matrices, not {weight.dtype} [{string.Join(",", weight.shape)}].");

    /// <summary>Row <paramref name="row"/> widened to fp32 into <paramref name="destination"/> (Cols floats).</summary>
    public void ReadRow(long row, float* destination) => VectorMath.Widen(Type, (byte*)Data + row * Cols * ElementSize, destination, Cols);

    private int ElementSize => Type == ScalarType.BFloat16 ? 2 : 4;
}
