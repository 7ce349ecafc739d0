namespace FineTuneMesh.Core.Kernels;

/// <summary>
/// Splits a kernel's rows across the calling thread and one long-lived helper thread per extra
/// core. Decoding calls a kernel every few hundred microseconds; waking pool threads for each
/// (Parallel.For) cost more than the work, so the helpers spin for up to a millisecond between
/// calls and then sleep. Only one kernel uses the helpers at a time; a concurrent caller runs on its own thread.
/// The rows go out in a few chunks per thread, taken in turn, not one fixed half each: on a shared
/// machine one core is often slower for a while, and with fixed halves the other waited for it
/// (14% of the inference service's samples were that wait, in a profile of four batched streams).
/// </summary>
internal static class KernelThreads
{
    private static readonly object _gate = new();
    private static readonly Helper[] _helpers =
        [.. Enumerable.Range(0, Math.Max(0, Environment.ProcessorCount - 1)).Select(i => new Helper(i))];

    public static void Run(int rows, Action<int, int> kernel)
    {
        var parts = _helpers.Length + 1;
        // A kernel called from inside another's rows runs on its own thread (Monitor is re-entrant,
        // so the thread holding the helpers must not post to them again).
        if (parts == 1 || rows < parts || Monitor.IsEntered(_gate) || !Monitor.TryEnter(_gate))
        {
            kernel(0, rows);
            return;
        }

        try
        {
            var chunks = new Chunks(kernel, rows, Math.Min(rows, parts * ChunksPerThread));
            foreach (var helper in _helpers)
            {
                helper.Start(chunks);
            }

            chunks.RunUntilNoneLeft();
            foreach (var helper in _helpers)
            {
                helper.Wait();
            }
        }
        finally
        {
            Monitor.Exit(_gate);
        }
    }

    // Enough chunks to even out a slow core, few enough that each is a long run of rows (one
    // sequential stream for the prefetchers).
    private const int ChunksPerThread = 4;

    /// <summary>A kernel's rows cut into chunks that the threads take one at a time until none are left.</summary>
    private sealed class Chunks(Action<int, int> kernel, int rows, int count)
    {
        private int _next = -1;

        public void RunUntilNoneLeft()
        {
            int chunk;
            while ((chunk = Interlocked.Increment(ref _next)) < count)
            {
                kernel(Bound(chunk), Bound(chunk + 1));
            }
        }

        private int Bound(int chunk) => (int)((long)rows * chunk / count);
    }

    /// <summary>
    /// One helper thread. It spins for a while after each job, because the next kernel of a
    /// decode step comes within a few hundred microseconds, and sleeps once the model goes idle.
    /// </summary>
    private sealed class Helper
    {
        private static readonly long _spinTicks = System.Diagnostics.Stopwatch.Frequency / 1000; // 1 ms

        private readonly ManualResetEventSlim _wake = new(false, 0);
        private Chunks? _chunks;
        private int _posted;
        private int _completed;
        private Exception? _error;

        public Helper(int index)
        {
            var thread = new Thread(Loop) { IsBackground = true, Name = $"FineTuneMesh kernel {index + 1}" };
            thread.Start();
        }

        public void Start(Chunks chunks)
        {
            (_chunks, _error) = (chunks, null);
            Interlocked.Increment(ref _posted);
            _wake.Set();
        }

        public void Wait()
        {
            var spinner = new SpinWait();
            while (Volatile.Read(ref _completed) != Volatile.Read(ref _posted))
            {
                spinner.SpinOnce(sleep1Threshold: -1);
            }

            if (_error is not null)
            {
                throw new AggregateException(_error);
            }
        }

        private void Loop()
        {
            var seen = 0;
            while (true)
            {
                var idleSince = System.Diagnostics.Stopwatch.GetTimestamp();
                while (Volatile.Read(ref _posted) == seen)
                {
                    if (System.Diagnostics.Stopwatch.GetTimestamp() - idleSince > _spinTicks)
                    {
                        // A post between Wait and Reset is not lost: the loop re-reads _posted.
                        _wake.Wait();
                        _wake.Reset();
                        idleSince = System.Diagnostics.Stopwatch.GetTimestamp();
                    }
                    else
                    {
                        Thread.SpinWait(20);
                    }
                }

                seen = Volatile.Read(ref _posted);
                try
                {
                    _chunks!.RunUntilNoneLeft();
                }
                catch (Exception e)
                {
                    _error = e;
                }

                Volatile.Write(ref _completed, seen);
            }
        }
    }
}
