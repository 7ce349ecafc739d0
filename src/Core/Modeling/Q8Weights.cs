using FineTuneMesh.Core.Kernels;
using static TorchSharp.torch;

namespace FineTuneMesh.Core.Modeling;

/// <summary>
/// q8_0 matrices as tensors: int8 values [rows, cols] beside fp32 block scales [rows, cols/32]
/// (<see cref="Q8Blocks"/> says how the numbers are made). Quantizing happens at load, a band of
/// rows at a time, so the full-precision matrix never sits in memory whole.
/// </summary>
public static class Q8Weights
{
    public static Tensor EmptyScales(long rows, long cols, Device? device) =>
        cols % Q8Blocks.BlockSize == 0
            ? empty([rows, cols / Q8Blocks.BlockSize], ScalarType.Float32, device)
            : throw new NotSupportedException($"q8_0 quantizes rows in blocks of {Q8Blocks.BlockSize}; a matrix with {cols} columns does not divide. Use bf16 or fp32 for this model.");

    /// <summary>
    /// The dense matrix the values and scales stand for, in fp32 or bf16: one pass over the int8
    /// values on every core (a prefill GEMM expands each matrix per call, so this is on its path).
    /// </summary>
    public static unsafe Tensor Dequantize(Tensor values, Tensor scales, ScalarType dtype)
    {
        var (rows, cols) = (values.shape[0], values.shape[1]);
        if (dtype is not (ScalarType.Float32 or ScalarType.BFloat16) || !values.is_contiguous() || !scales.is_contiguous())
        {
            using var scope = NewDisposeScope();
            var dense = values.to(ScalarType.Float32).view(rows, cols / Q8Blocks.BlockSize, Q8Blocks.BlockSize) * scales.unsqueeze(-1);
            return dense.view(rows, cols).to(dtype).MoveToOuterDisposeScope();
        }

        var output = empty([rows, cols], dtype);
        var source = (sbyte*)values.DataPointer();
        var sourceScales = (float*)scales.DataPointer();
        var target = (byte*)output.DataPointer();
        var blocks = cols / Q8Blocks.BlockSize;
        var bf16 = dtype == ScalarType.BFloat16;
        Parallel.For(0, Environment.ProcessorCount, part =>
        {
            var (start, end) = (rows * part / Environment.ProcessorCount, rows * (part + 1) / Environment.ProcessorCount);
            for (var row = start; row < end; row++)
            {
                var rowValues = new ReadOnlySpan<sbyte>(source + row * cols, (int)cols);
                var rowScales = new ReadOnlySpan<float>(sourceScales + row * blocks, (int)blocks);
                if (bf16)
                {
                    Q8Blocks.DequantizeToBFloat16(rowValues, rowScales, new Span<ushort>(target + row * cols * 2, (int)cols));
                }
                else
                {
                    Q8Blocks.Dequantize(rowValues, rowScales, new Span<float>(target + row * cols * 4, (int)cols));
                }
            }
        });
        return output;
    }

    /// <summary>
    /// Fills int8 <paramref name="values"/> and <paramref name="scales"/> from full-precision rows that
    /// <paramref name="readRows"/> delivers as fp32 [count, cols] for a start row and a count.
    /// </summary>
    public static unsafe void Quantize(Tensor values, Tensor scales, Func<long, long, Tensor> readRows)
    {
        var (rows, cols) = (values.shape[0], values.shape[1]);
        var blocks = cols / Q8Blocks.BlockSize;
        // About 4 MB of fp32 rows at a time.
        var band = Math.Max(1, (1L << 20) / cols);
        var target = (sbyte*)values.DataPointer();
        var targetScales = (float*)scales.DataPointer();
        for (var start = 0L; start < rows; start += band)
        {
            var count = Math.Min(band, rows - start);
            using var scope = NewDisposeScope();
            var source = readRows(start, count).to(ScalarType.Float32).contiguous();
            var pointer = (float*)source.DataPointer();
            Parallel.For(0, count, r =>
            {
                var row = start + r;
                Q8Blocks.Quantize(new ReadOnlySpan<float>(pointer + r * cols, (int)cols), new Span<sbyte>(target + row * cols, (int)cols),
                    new Span<float>(targetScales + row * blocks, (int)blocks));
            });
        }
    }
}
