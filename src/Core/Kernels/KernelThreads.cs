namespace FineTuneMesh.Core.Kernels;

/// <summary>
/// Splits a kernel's rows across the calling thread and one long-lived helper thread per extra
/// core. Decoding calls a kernel every few hundred microseconds; waking pool threads for each
/// (Parallel.For) cost more than the work, so the helpers spin briefly between calls and then
/// sleep. Only one kernel uses the helpers at a time; a concurrent caller runs on its own thread.
/// </summary>
internal static class KernelThreads
{
    // Roughly 50-100 µs of spinning: longer than the gap between a decode step's kernels.
    private const int SpinCount = 2000;

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

    private sealed class Helper
    {
        private readonly ManualResetEventSlim _started = new(false, SpinCount);
        private readonly ManualResetEventSlim _finished = new(false, SpinCount);
        private Action<int, int>? _kernel;
        private int _start;
        private int _end;
        private Exception? _error;

        public Helper(int index)
        {
            var thread = new Thread(Loop) { IsBackground = true, Name = $"FineTuneMesh kernel {index + 1}" };
            thread.Start();
        }

        public void Start(Action<int, int> kernel, int start, int end)
        {
            (_kernel, _start, _end, _error) = (kernel, start, end, null);
            _finished.Reset();
            _started.Set();
        }

        public void Wait()
        {
            _finished.Wait();
            if (_error is not null)
            {
                throw new AggregateException(_error);
            }
        }

        private void Loop()
        {
            while (true)
            {
                _started.Wait();
                _started.Reset();
                try
                {
                    _kernel!(_start, _end);
                }
                catch (Exception e)
                {
                    _error = e;
                }

                _finished.Set();
            }
        }
    }
}
