namespace FineTuneMesh.Core.Kernels;

/// <summary>
/// Splits a kernel's rows across the calling thread and one long-lived helper thread per extra
/// core. Decoding calls a kernel every few hundred microseconds; waking pool threads for each
/// (Parallel.For) cost more than the work, so the helpers spin for up to a millisecond between
/// calls and then sleep. Only one kernel uses the helpers at a time; a concurrent caller runs on its own thread.
/// </summary>
internal static class KernelThreads
{
    private static readonly object _gate = new();
    private static readonly Helper[] _helpers =
        [.. Enumerable.Range(0, Math.Max(0, Environment.ProcessorCount - 1)).Select(i => new Helper(i))];

    public static void Run(int rows, Action<int, int> kernel)
    {
        var parts = _helpers.Length + 1;
        if (parts == 1 || rows < parts || !Monitor.TryEnter(_gate))
        {
            kernel(0, rows);
            return;
        }

        try
        {
            for (var i = 0; i < _helpers.Length; i++)
            {
                _helpers[i].Start(kernel, Bound(rows, i + 1, parts), Bound(rows, i + 2, parts));
            }

            kernel(0, Bound(rows, 1, parts));
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

    private static int Bound(int rows, int part, int parts) => (int)((long)rows * part / parts);

    /// <summary>
    /// One helper thread. It spins for a while after each job, because the next kernel of a
    /// decode step comes within a few hundred microseconds, and sleeps once the model goes idle.
    /// </summary>
    private sealed class Helper
    {
        private static readonly long _spinTicks = System.Diagnostics.Stopwatch.Frequency / 1000; // 1 ms

        private readonly ManualResetEventSlim _wake = new(false, 0);
        private Action<int, int>? _kernel;
        private int _start;
        private int _end;
        private int _posted;
        private int _completed;
        private Exception? _error;

        public Helper(int index)
        {
            var thread = new Thread(Loop) { IsBackground = true, Name = $"FineTuneMesh kernel {index + 1}" };
            thread.Start();
        }

        public void Start(Action<int, int> kernel, int start, int end)
        {
            (_kernel, _start, _end, _error) = (kernel, start, end, null);
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
                    _kernel!(_start, _end);
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
