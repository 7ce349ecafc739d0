using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;
using System.Runtime.Intrinsics;
using System.Runtime.Intrinsics.X86;

namespace FineTuneMesh.Core.Kernels;

/// <summary>
/// y = W·x for one activation row against a row-major weight matrix [rows, cols], with fp32
/// accumulation, split across the machine's cores. Decoding one token is exactly this, and it is
/// memory-bound: LibTorch runs it on one thread in fp32 and far below bandwidth in bf16, so this
/// kernel streams the weights once, in their stored dtype, on every core.
/// </summary>
/// <remarks>
/// Each row is read as one sequential stream with two accumulators. Interleaving several rows
/// (the usual register-blocking trick) halved the bandwidth here: the prefetchers keep up with
/// one long stream per core, not with four short ones.
/// </remarks>
public static unsafe class MatVec
{
    /// <summary>Whether this CPU has the vector instructions the kernels use.</summary>
    public static bool IsSupported => Avx512F.IsSupported || (Avx2.IsSupported && Fma.IsSupported);

    /// <summary>The AVX-512 path where the JIT offers it; tests turn it off to run the AVX2 path on an AVX-512 machine.</summary>
    internal static bool UseAvx512 { get; set; } = Avx512F.IsSupported;

    /// <summary>
    /// bf16 weights times bf16-rounded activations with <c>vdpbf16ps</c> where the CPU has it (see
    /// <see cref="NativeKernels"/>); tests turn it off to run the widening path on such a machine.
    /// </summary>
    internal static bool UseBFloat16DotProducts { get; set; } = NativeKernels.BFloat16DotProducts;

    /// <summary>Whether bf16 weights are multiplied as bf16 pairs (the native kernel) rather than widened to fp32.</summary>
    public static bool MultipliesBFloat16Pairs => UseAvx512 && UseBFloat16DotProducts;

    // Each thread's activations rounded to bf16 for the native kernel, grown as needed.
    [ThreadStatic]
    private static ushort* _bfloat16Activations;

    [ThreadStatic]
    private static long _bfloat16ActivationsLength;

    // Below this many weights per call, handing half to another core costs more than it saves.
    private const long ParallelThreshold = 1 << 16;

    /// <summary>
    /// Y = X·Wᵀ for <paramref name="count"/> activation rows (x: [count, Cols], y: [count, Rows]) and
    /// a matrix the kernels read directly (see <see cref="WeightMatrix"/>). Each weight row comes from
    /// memory once for all activation rows, and each result is computed exactly as for one row
    /// alone, so several tokens at once give bit for bit the logits of one at a time.
    /// </summary>
    public static void Multiply(WeightMatrix weight, float* x, float* y, int count = 1)
    {
        switch (weight.Type)
        {
            case TorchSharp.torch.ScalarType.BFloat16 when MultipliesBFloat16Pairs:
                MultiplyBFloat16Pairs(weight, x, y, count);
                break;
            case TorchSharp.torch.ScalarType.BFloat16:
                Split(weight.Rows, (long)weight.Rows * weight.Cols * count,
                    (start, end) => Rows<BFloat16Weights>(x, weight.Data, y, weight.Rows, weight.Cols, count, start, end));
                break;
            case TorchSharp.torch.ScalarType.Int8:
                Q8.Multiply(x, (sbyte*)weight.Data, weight.Scales, y, weight.Rows, weight.Cols, count);
                break;
            default:
                Split(weight.Rows, (long)weight.Rows * weight.Cols * count,
                    (start, end) => Rows<Float32Weights>(x, weight.Data, y, weight.Rows, weight.Cols, count, start, end));
                break;
        }
    }

    /// <summary>
    /// The activations rounded to bf16 once, as LibTorch's bf16 products and llama.cpp's do, then
    /// every weight row against them in the native kernel: 32 products an instruction, where
    /// widening each bf16 weight to fp32 left Zen 4 short of arithmetic before memory.
    /// </summary>
    private static void MultiplyBFloat16Pairs(WeightMatrix weight, float* x, float* y, int count)
    {
        var length = (long)count * weight.Cols;
        if (_bfloat16ActivationsLength < length)
        {
            NativeMemory.AlignedFree(_bfloat16Activations);
            _bfloat16Activations = (ushort*)NativeMemory.AlignedAlloc((nuint)(length * sizeof(ushort)), 64);
            _bfloat16ActivationsLength = length;
        }

        var activations = _bfloat16Activations;
        NativeKernels.ToBFloat16(x, activations, length);
        Split(weight.Rows, weight.Rows * length,
            (start, end) => NativeKernels.BFloat16Rows((ushort*)weight.Data, activations, y, weight.Rows, weight.Cols, count, start, end));
    }

    internal static void Split(int rows, long work, Action<int, int> kernel)
    {
        if (work < ParallelThreshold)
        {
            kernel(0, rows);
            return;
        }

        KernelThreads.Run(rows, kernel);
    }

    /// <summary>Weight rows [start, end) against every activation row; <typeparamref name="TWeights"/> says how weights turn into fp32.</summary>
    /// <remarks>Fully optimised from the first call, so a server's first tokens do not run tier-0 JIT code.</remarks>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private static void Rows<TWeights>(float* x, void* weights, float* y, int rows, int cols, int count, int start, int end)
        where TWeights : IWeightFormat
    {
        for (var row = start; row < end; row++)
        {
            // Each weight vector is loaded and widened once for four activation rows; memory sees a
            // weight row once whatever the count.
            var w = (byte*)weights + (long)row * cols * TWeights.ElementSize;
            var t = 0;
            for (; t + 4 <= count; t += 4)
            {
                Dot4<TWeights>(w, x + (long)t * cols, cols, y + (long)t * rows + row, rows);
            }

            for (; t < count; t++)
            {
                y[(long)t * rows + row] = Dot<TWeights>(w, x + (long)t * cols, cols);
            }
        }
    }

    /// <summary>
    /// Four activation rows (cols apart) against one weight row, each weight vector loaded and
    /// widened once for all four, each row with exactly the operations of <see cref="Dot{TWeights}"/>
    /// in the same order, so the results are the same bits. (An eight-row version measured no faster:
    /// past four rows a step runs out of arithmetic, not memory.)
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static void Dot4<TWeights>(byte* w, float* x, int cols, float* y, int yStride)
        where TWeights : IWeightFormat
    {
        var x0 = x;
        var x1 = x + cols;
        var x2 = x + 2L * cols;
        var x3 = x + 3L * cols;
        var c = 0;
        float s0 = 0, s1 = 0, s2 = 0, s3 = 0;
        if (UseAvx512)
        {
            Vector512<float> a0 = default, b0 = default, a1 = default, b1 = default, a2 = default, b2 = default, a3 = default, b3 = default;
            for (; c + 32 <= cols; c += 32)
            {
                var (lo, hi) = (TWeights.Load512(w, c), TWeights.Load512(w, c + 16));
                a0 = Avx512F.FusedMultiplyAdd(lo, Vector512.Load(x0 + c), a0);
                b0 = Avx512F.FusedMultiplyAdd(hi, Vector512.Load(x0 + c + 16), b0);
                a1 = Avx512F.FusedMultiplyAdd(lo, Vector512.Load(x1 + c), a1);
                b1 = Avx512F.FusedMultiplyAdd(hi, Vector512.Load(x1 + c + 16), b1);
                a2 = Avx512F.FusedMultiplyAdd(lo, Vector512.Load(x2 + c), a2);
                b2 = Avx512F.FusedMultiplyAdd(hi, Vector512.Load(x2 + c + 16), b2);
                a3 = Avx512F.FusedMultiplyAdd(lo, Vector512.Load(x3 + c), a3);
                b3 = Avx512F.FusedMultiplyAdd(hi, Vector512.Load(x3 + c + 16), b3);
            }

            (s0, s1, s2, s3) = (Vector512.Sum(a0 + b0), Vector512.Sum(a1 + b1), Vector512.Sum(a2 + b2), Vector512.Sum(a3 + b3));
        }

        // The AVX2 path, and on the AVX-512 path what is left in 8s (short rows, such as a LoRA B
        // matrix [out, rank]), as Dot does it.
        if (Avx2.IsSupported && Fma.IsSupported)
        {
            Vector256<float> a0 = default, a1 = default, a2 = default, a3 = default;
            for (; c + 8 <= cols; c += 8)
            {
                var weight = TWeights.Load256(w, c);
                a0 = Fma.MultiplyAdd(weight, Vector256.Load(x0 + c), a0);
                a1 = Fma.MultiplyAdd(weight, Vector256.Load(x1 + c), a1);
                a2 = Fma.MultiplyAdd(weight, Vector256.Load(x2 + c), a2);
                a3 = Fma.MultiplyAdd(weight, Vector256.Load(x3 + c), a3);
            }

            (s0, s1, s2, s3) = (s0 + Vector256.Sum(a0), s1 + Vector256.Sum(a1), s2 + Vector256.Sum(a2), s3 + Vector256.Sum(a3));
        }

        for (; c < cols; c++)
        {
            var weight = TWeights.Load1(w, c);
            s0 += weight * x0[c];
            s1 += weight * x1[c];
            s2 += weight * x2[c];
            s3 += weight * x3[c];
        }

        y[0] = s0;
        y[yStride] = s1;
        y[2L * yStride] = s2;
        y[3L * yStride] = s3;
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static float Dot<TWeights>(byte* w, float* x, int cols)
        where TWeights : IWeightFormat
    {
        var c = 0;
        var sum = 0f;
        if (UseAvx512)
        {
            Vector512<float> a = default, b = default;
            for (; c + 32 <= cols; c += 32)
            {
                a = Avx512F.FusedMultiplyAdd(TWeights.Load512(w, c), Vector512.Load(x + c), a);
                b = Avx512F.FusedMultiplyAdd(TWeights.Load512(w, c + 16), Vector512.Load(x + c + 16), b);
            }

            sum = Vector512.Sum(a + b);
        }

        // The AVX2 path, and on the AVX-512 path what is left in 8s: a LoRA B matrix's rows are
        // [rank] long, and scalar code made each adapter cost a sixth of a step's time.
        if (Avx2.IsSupported && Fma.IsSupported)
        {
            Vector256<float> a = default;
            for (; c + 8 <= cols; c += 8)
            {
                a = Fma.MultiplyAdd(TWeights.Load256(w, c), Vector256.Load(x + c), a);
            }

            sum += Vector256.Sum(a);
        }

        for (; c < cols; c++)
        {
            sum += TWeights.Load1(w, c) * x[c];
        }

        return sum;
    }

    /// <summary>How a stored weight row is read as fp32 (a struct type, so the JIT specialises each loop).</summary>
    private interface IWeightFormat
    {
        static abstract int ElementSize { get; }
        static abstract Vector512<float> Load512(byte* row, int column);
        static abstract Vector256<float> Load256(byte* row, int column);
        static abstract float Load1(byte* row, int column);
    }

    private readonly struct Float32Weights : IWeightFormat
    {
        public static int ElementSize => 4;

        [MethodImpl(MethodImplOptions.AggressiveInlining)]
        public static Vector512<float> Load512(byte* row, int column) => Vector512.Load((float*)row + column);

        [MethodImpl(MethodImplOptions.AggressiveInlining)]
        public static Vector256<float> Load256(byte* row, int column) => Vector256.Load((float*)row + column);

        public static float Load1(byte* row, int column) => ((float*)row)[column];
    }

    /// <summary>bf16 is the top half of an fp32: widen to 32 bits and shift left 16.</summary>
    private readonly struct BFloat16Weights : IWeightFormat
    {
        public static int ElementSize => 2;

        [MethodImpl(MethodImplOptions.AggressiveInlining)]
        public static Vector512<float> Load512(byte* row, int column) =>
            Avx512F.ShiftLeftLogical(Avx512F.ConvertToVector512UInt32(Vector256.Load((ushort*)row + column)), 16).AsSingle();

        [MethodImpl(MethodImplOptions.AggressiveInlining)]
        public static Vector256<float> Load256(byte* row, int column) =>
            Avx2.ShiftLeftLogical(Avx2.ConvertToVector256Int32(Vector128.Load((ushort*)row + column)), 16).AsSingle();

        public static float Load1(byte* row, int column) => BitConverter.Int32BitsToSingle(((ushort*)row)[column] << 16);
    }
}
