using System.Runtime.CompilerServices;

namespace FineTuneMesh.Core.Kernels;

/// <summary>
/// The q8_0 format: each row cut into blocks of 32 values, each block stored as 32 signed bytes
/// and one scale (value ≈ byte × scale). Rounding follows llama.cpp's Q8_0 exactly (scale =
/// max|x| / 127, bytes = round(x / scale), the scale kept at fp16 precision), so a checkpoint
/// quantized here and by llama.cpp holds the same numbers. Scales are stored as fp32 in their own
/// array, so the kernels read them without converting.
/// </summary>
public static class Q8Blocks
{
    public const int BlockSize = 32;

    /// <summary>Quantizes one row (length a multiple of 32) into bytes and one scale per block.</summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public static void Quantize(ReadOnlySpan<float> row, Span<sbyte> values, Span<float> scales)
    {
        for (var block = 0; block < row.Length / BlockSize; block++)
        {
            var source = row.Slice(block * BlockSize, BlockSize);
            var max = 0f;
            foreach (var value in source)
            {
                max = Math.Max(max, Math.Abs(value));
            }

            var scale = max / 127f;
            var inverse = scale == 0 ? 0 : 1 / scale;
            var target = values.Slice(block * BlockSize, BlockSize);
            for (var i = 0; i < BlockSize; i++)
            {
                target[i] = (sbyte)MathF.Round(source[i] * inverse, MidpointRounding.AwayFromZero);
            }

            scales[block] = (float)(Half)scale;
        }
    }

    /// <summary>The fp32 values a quantized row stands for.</summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public static void Dequantize(ReadOnlySpan<sbyte> values, ReadOnlySpan<float> scales, Span<float> row)
    {
        for (var block = 0; block < scales.Length; block++)
        {
            var scale = scales[block];
            var source = values.Slice(block * BlockSize, BlockSize);
            var target = row.Slice(block * BlockSize, BlockSize);
            for (var i = 0; i < BlockSize; i++)
            {
                target[i] = source[i] * scale;
            }
        }
    }

    /// <summary>
    /// The same values rounded to bf16 (round to nearest even), for a bf16 GEMM. A byte times a
    /// scale has at most 8 significant bits from the byte, so the rounding only touches the scale's
    /// share of the error.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public static void DequantizeToBFloat16(ReadOnlySpan<sbyte> values, ReadOnlySpan<float> scales, Span<ushort> row)
    {
        for (var block = 0; block < scales.Length; block++)
        {
            var scale = scales[block];
            var source = values.Slice(block * BlockSize, BlockSize);
            var target = row.Slice(block * BlockSize, BlockSize);
            for (var i = 0; i < BlockSize; i++)
            {
                var bits = BitConverter.SingleToUInt32Bits(source[i] * scale);
                target[i] = (ushort)((bits + 0x7FFF + ((bits >> 16) & 1)) >> 16);
            }
        }
    }
}
