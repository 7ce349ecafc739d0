using System.Diagnostics;
using System.Numerics;
using System.Runtime.InteropServices;

namespace FineTuneMesh.Cli.Commands;

/// <summary>
/// The machine's memory read bandwidth, measured in the same run as the decode benchmark: one
/// thread per core sums a 1 GiB buffer with vector loads, the threads taking turns over 1 MiB
/// chunks (as the decode kernels split each matrix), the best of five passes. Decoding one token
/// reads every weight once, so this is its ceiling; a share above 100% means the kernels' access
/// pattern gets more out of the memory system than this probe does.
/// </summary>
public static unsafe class ReadBandwidth
{
    public static double GigabytesPerSecond()
    {
        const long Bytes = 1L << 30;
        var buffer = (byte*)NativeMemory.AlignedAlloc((nuint)Bytes, 4096);
        try
        {
            new Span<byte>(buffer, (int)Bytes).Fill(1);
            var threads = Environment.ProcessorCount;
            var best = double.MaxValue;
            for (var pass = 0; pass < 5; pass++)
            {
                // Threads of its own: the thread pool's first Parallel.For ran both halves on one core.
                var readers = Enumerable.Range(0, threads).Select(part => new Thread(() => SumChunks(buffer, Bytes, part, threads))).ToList();
                var clock = Stopwatch.StartNew();
                readers.ForEach(t => t.Start());
                readers.ForEach(t => t.Join());
                best = Math.Min(best, clock.Elapsed.TotalSeconds);
            }

            return Bytes / best / 1e9;
        }
        finally
        {
            NativeMemory.AlignedFree(buffer);
        }
    }

    private static float SumChunks(byte* buffer, long bytes, int part, int parts)
    {
        const long Chunk = 1 << 20;
        var sum = 0f;
        for (var offset = part * Chunk; offset < bytes; offset += parts * Chunk)
        {
            sum += Sum((Vector<float>*)(buffer + offset), Chunk / sizeof(Vector<float>));
        }

        return sum;
    }

    [System.Runtime.CompilerServices.MethodImpl(System.Runtime.CompilerServices.MethodImplOptions.AggressiveOptimization)]
    private static float Sum(Vector<float>* data, long count)
    {
        Vector<float> a = default, b = default, c = default, d = default;
        for (var i = 0L; i + 4 <= count; i += 4)
        {
            a += data[i];
            b += data[i + 1];
            c += data[i + 2];
            d += data[i + 3];
        }

        return Vector.Sum(a + b + c + d);
    }
}
