using System.Runtime.CompilerServices;
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

    // Below this many weights per call, handing half to another core costs more than it saves.
    private const long ParallelThreshold = 1 << 16;

    /// <summary>y = W·x for a matrix the kernels read directly (see <see cref="WeightMatrix"/>).</summary>
    public static void Multiply(WeightMatrix weight, float* x, float* y)
    {
        switch (weight.Type)
        {
            case TorchSharp.torch.ScalarType.BFloat16:
                BFloat16(x, (ushort*)weight.Data, y, weight.Rows, weight.Cols);
                break;
            case TorchSharp.torch.ScalarType.Int8:
                Q8.Multiply(x, (sbyte*)weight.Data, weight.Scales, y, weight.Rows, weight.Cols);
                break;
            default:
                Float32(x, (float*)weight.Data, y, weight.Rows, weight.Cols);
                break;
        }
    }

    public static void BFloat16(float* x, ushort* weights, float* y, int rows, int cols) =>
        Split(rows, (long)rows * cols, (start, end) => Rows<BFloat16Weights>(x, weights, y, cols, start, end));

    public static void Float32(float* x, float* weights, float* y, int rows, int cols) =>
        Split(rows, (long)rows * cols, (start, end) => Rows<Float32Weights>(x, weights, y, cols, start, end));

    internal static void Split(int rows, long work, Action<int, int> kernel)
    {
        if (work < ParallelThreshold)
        {
            kernel(0, rows);
            return;
        }

        KernelThreads.Run(rows, kernel);
    }

    /// <summary>Rows [start, end) of y = W·x; <typeparamref name="TWeights"/> says how weights turn into fp32.</summary>
    /// <remarks>Fully optimised from the first call, so a server's first tokens do not run tier-0 JIT code.</remarks>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private static void Rows<TWeights>(float* x, void* weights, float* y, int cols, int start, int end)
        where TWeights : IWeightFormat
    {
        for (var row = start; row < end; row++)
        {
            var w = (byte*)weights + (long)row * cols * TWeights.ElementSize;
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
            else if (Avx2.IsSupported && Fma.IsSupported)
            {
                Vector256<float> a = default;
                for (; c + 8 <= cols; c += 8)
                {
                    a = Fma.MultiplyAdd(TWeights.Load256(w, c), Vector256.Load(x + c), a);
                }

                sum = Vector256.Sum(a);
            }

            for (; c < cols; c++)
            {
                sum += TWeights.Load1(w, c) * x[c];
            }

            y[row] = sum;
        }
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
