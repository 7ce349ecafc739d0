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

    // Below this many weights per call, handing half to another core costs more than it saves.
    private const long ParallelThreshold = 1 << 16;

    public static void BFloat16(float* x, ushort* weights, float* y, int rows, int cols) =>
        Split(rows, (long)rows * cols, (start, end) => BFloat16Rows(x, weights, y, cols, start, end));

    public static void Float32(float* x, float* weights, float* y, int rows, int cols) =>
        Split(rows, (long)rows * cols, (start, end) => Float32Rows(x, weights, y, cols, start, end));

    private static void Split(int rows, long work, Action<int, int> kernel)
    {
        if (work < ParallelThreshold)
        {
            kernel(0, rows);
            return;
        }

        KernelThreads.Run(rows, kernel);
    }

    private static void BFloat16Rows(float* x, ushort* weights, float* y, int cols, int start, int end)
    {
        for (var row = start; row < end; row++)
        {
            var w = weights + (long)row * cols;
            var c = 0;
            var sum = 0f;
            if (Avx512F.IsSupported)
            {
                Vector512<float> a = default, b = default;
                for (; c + 32 <= cols; c += 32)
                {
                    a = Avx512F.FusedMultiplyAdd(Widen(w + c), Vector512.Load(x + c), a);
                    b = Avx512F.FusedMultiplyAdd(Widen(w + c + 16), Vector512.Load(x + c + 16), b);
                }

                sum = Vector512.Sum(a + b);
            }
            else if (Avx2.IsSupported && Fma.IsSupported)
            {
                Vector256<float> a = default;
                for (; c + 8 <= cols; c += 8)
                {
                    var widened = Avx2.ShiftLeftLogical(Avx2.ConvertToVector256Int32(Vector128.Load(w + c)), 16).AsSingle();
                    a = Fma.MultiplyAdd(widened, Vector256.Load(x + c), a);
                }

                sum = Vector256.Sum(a);
            }

            for (; c < cols; c++)
            {
                sum += BitConverter.Int32BitsToSingle(w[c] << 16) * x[c];
            }

            y[row] = sum;
        }
    }

    private static void Float32Rows(float* x, float* weights, float* y, int cols, int start, int end)
    {
        for (var row = start; row < end; row++)
        {
            var w = weights + (long)row * cols;
            var c = 0;
            var sum = 0f;
            if (Avx512F.IsSupported)
            {
                Vector512<float> a = default, b = default;
                for (; c + 32 <= cols; c += 32)
                {
                    a = Avx512F.FusedMultiplyAdd(Vector512.Load(w + c), Vector512.Load(x + c), a);
                    b = Avx512F.FusedMultiplyAdd(Vector512.Load(w + c + 16), Vector512.Load(x + c + 16), b);
                }

                sum = Vector512.Sum(a + b);
            }
            else if (Avx2.IsSupported && Fma.IsSupported)
            {
                Vector256<float> a = default;
                for (; c + 8 <= cols; c += 8)
                {
                    a = Fma.MultiplyAdd(Vector256.Load(w + c), Vector256.Load(x + c), a);
                }

                sum = Vector256.Sum(a);
            }

            for (; c < cols; c++)
            {
                sum += w[c] * x[c];
            }

            y[row] = sum;
        }
    }

    /// <summary>bf16 is the top half of an fp32: widen 16 of them to 32 bits and shift left 16.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static Vector512<float> Widen(ushort* source) =>
        Avx512F.ShiftLeftLogical(Avx512F.ConvertToVector512UInt32(Vector256.Load(source)), 16).AsSingle();
}
