using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;
using System.Runtime.Intrinsics;
using System.Runtime.Intrinsics.X86;

namespace FineTuneMesh.Core.Kernels;

/// <summary>
/// y = W·x over q8_0 weights (<see cref="Q8Blocks"/>), as llama.cpp computes its Q8_0 products:
/// x is quantized to q8_0 blocks once per call, then each block's dot product is done in
/// integers and scaled by both blocks' scales. Per 32 weights that is one 32-byte load and four
/// vector ops (sign, multiply-add of bytes, widen, fused multiply-add), so decoding stays
/// memory-bound on AVX2 as on AVX-512; VNNI (where the JIT offers it) fuses two of them.
/// </summary>
public static unsafe class Q8
{
    /// <summary>VNNI dot products where the JIT offers them; tests turn it off to run the plain AVX2 path.</summary>
    internal static bool UseVnni { get; set; } = AvxVnni.IsSupported;

    /// <summary>
    /// Two blocks a 512-bit vpdpbusd in the native kernels where the CPU has AVX512_VNNI (and the
    /// AVX-512 path is on): half the instructions per weight of the 256-bit path.
    /// </summary>
    internal static bool UseNativeVnni { get; set; } = NativeKernels.Int8DotProducts;

    public static bool IsSupported => Avx2.IsSupported && Fma.IsSupported;

    /// <summary>Y = X·Wᵀ for <paramref name="count"/> activation rows (x: [count, cols], y: [count, rows]).</summary>
    public static void Multiply(float* x, sbyte* weights, float* scales, float* y, int rows, int cols, int count = 1)
    {
        if (cols % Q8Blocks.BlockSize != 0)
        {
            throw new ArgumentException($"q8_0 rows hold whole blocks of {Q8Blocks.BlockSize}; {cols} columns do not.");
        }

        var blocks = cols / Q8Blocks.BlockSize;
        // x as q8_0: its bytes' magnitudes (the unsigned side of the byte product), the bytes themselves
        // (whose signs move onto the weights) and its block scales.
        var bytes = (nuint)count * (nuint)(2 * cols + blocks * sizeof(float));
        var work = (byte*)NativeMemory.AlignedAlloc(bytes, 64);
        try
        {
            var magnitudes = work;
            var signed = (sbyte*)(work + (long)count * cols);
            var xScales = (float*)(work + 2L * count * cols);
            for (var t = 0; t < count; t++)
            {
                QuantizeActivations(x + (long)t * cols, signed + (long)t * cols, magnitudes + (long)t * cols, xScales + (long)t * blocks, blocks);
            }

            if (UseNativeVnni && MatVec.UseAvx512)
            {
                MatVec.Split(rows, (long)rows * cols * count,
                    (start, end) => NativeKernels.Q8Rows(magnitudes, signed, xScales, weights, scales, y, blocks, rows, count, start, end));
            }
            else
            {
                MatVec.Split(rows, (long)rows * cols * count, (start, end) => Rows(magnitudes, signed, xScales, weights, scales, y, blocks, rows, count, start, end));
            }
        }
        finally
        {
            NativeMemory.AlignedFree(work);
        }
    }

    private static void QuantizeActivations(float* x, sbyte* signed, byte* magnitudes, float* scales, int blocks)
    {
        var count = blocks * Q8Blocks.BlockSize;
        Q8Blocks.Quantize(new ReadOnlySpan<float>(x, count), new Span<sbyte>(signed, count), new Span<float>(scales, blocks));
        for (var i = 0; i < count; i++)
        {
            magnitudes[i] = (byte)Math.Abs(signed[i]);
        }
    }

    /// <summary>Weight rows [start, end) against every quantized activation row (each weight row read from memory once).</summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private static void Rows(byte* magnitudes, sbyte* signed, float* xScales, sbyte* weights, float* scales, float* y,
        int blocks, int rows, int count, int start, int end)
    {
        var cols = blocks * Q8Blocks.BlockSize;
        for (var row = start; row < end; row++)
        {
            var w = weights + (long)row * cols;
            var s = scales + (long)row * blocks;
            for (var t = 0; t < count; t++)
            {
                y[(long)t * rows + row] = Dot(magnitudes + (long)t * cols, signed + (long)t * cols, xScales + (long)t * blocks, w, s, blocks);
            }
        }
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static float Dot(byte* magnitudes, sbyte* signed, float* xScales, sbyte* w, float* s, int blocks)
    {
        var ones = Vector256.Create((short)1);
        Vector256<float> even = default, odd = default;
        for (var b = 0; b < blocks; b++)
        {
            var offset = b * Q8Blocks.BlockSize;
            // x·w = |x|·(w with x's sign): an unsigned-by-signed byte product, as the instructions want.
            var weight = Avx2.Sign(Vector256.Load(w + offset), Vector256.Load(signed + offset));
            var magnitude = Vector256.Load(magnitudes + offset);
            var sums = UseVnni
                ? AvxVnni.MultiplyWideningAndAdd(Vector256<int>.Zero, magnitude, weight)
                : Avx2.MultiplyAddAdjacent(Avx2.MultiplyAddAdjacent(magnitude, weight), ones);
            var scale = Vector256.Create(s[b] * xScales[b]);
            if ((b & 1) == 0)
            {
                even = Fma.MultiplyAdd(Avx.ConvertToVector256Single(sums), scale, even);
            }
            else
            {
                odd = Fma.MultiplyAdd(Avx.ConvertToVector256Single(sums), scale, odd);
            }
        }

        return Vector256.Sum(even + odd);
    }
}
