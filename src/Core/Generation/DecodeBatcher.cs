using FineTuneMesh.Core.Kernels;
using FineTuneMesh.Core.Modeling;
using static TorchSharp.torch;

namespace FineTuneMesh.Core.Generation;

/// <summary>
/// Continuous batching for concurrent generations on one base model: every decode step that the
/// streams ask for while a step is running is gathered into the next one, and that one runs as a
/// single <see cref="TokenStep"/> over all of them (the weights read once per step, not once per
/// stream; each stream on its own cache and its own adapter). Streams join at the next step and
/// leave by not asking again; each stream's tokens are the same bits as if it ran alone. One loop
/// thread runs the steps; callers await their rows without holding a thread.
/// </summary>
public sealed class DecodeBatcher : IDisposable
{
    private readonly Lock _gate = new();
    private readonly List<Request> _queue = [];
    private readonly SemaphoreSlim _work = new(0);
    private readonly CancellationTokenSource _stop = new();
    private readonly Thread _loop;
    private readonly long[] _batchSizes = new long[TokenStep.MaxRows + 1];
    private List<TaskCompletionSource> _stepWaiters = [];
    private int _decoding;

    // How long a step waits for decoding streams that have not asked yet (they are between steps:
    // sampling, detokenizing, writing to their clients). Bounded, so one slow stream costs the others little.
    private static readonly TimeSpan _gatherLimit = TimeSpan.FromMilliseconds(2);

    public DecodeBatcher()
    {
        _loop = new Thread(Loop) { IsBackground = true, Name = "FineTuneMesh decode batcher" };
        _loop.Start();
    }

    /// <summary>How many steps ran with each number of sequences (index = sequences in the step).</summary>
    public IReadOnlyList<long> BatchSizes
    {
        get
        {
            lock (_gate)
            {
                return [.. _batchSizes];
            }
        }
    }

    /// <summary>
    /// Counts a stream as decoding until the returned value is disposed: each step waits briefly
    /// for every decoding stream to ask, so that they share it.
    /// </summary>
    public IDisposable Decoding()
    {
        Interlocked.Increment(ref _decoding);
        return new Registration(this);
    }

    /// <summary>Raised after every step with the number of sequences it ran (for metrics).</summary>
    public event Action<int>? Stepped;

    /// <summary>
    /// Completes when the next shared step has run, or at once when no stream is decoding: a long
    /// prefill waits here between its chunks, so the streams already decoding take a step between
    /// any two chunks instead of stalling for the whole prompt.
    /// </summary>
    public Task NextStepAsync(CancellationToken cancellationToken)
    {
        if (Volatile.Read(ref _decoding) == 0)
        {
            return Task.CompletedTask;
        }

        var waiter = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        lock (_gate)
        {
            _stepWaiters.Add(waiter);
        }

        return waiter.Task.WaitAsync(cancellationToken);
    }

    /// <summary>
    /// Logits [T, vocab] for <paramref name="tokens"/> of the sequence whose cache is
    /// <paramref name="cache"/>, computed in the next shared step; the caller disposes them.
    /// Null where the engine's step does not apply to this model (the caller runs its own forward).
    /// </summary>
    public Task<Tensor?> StepAsync(CausalLanguageModel model, KvCache cache, long[] tokens)
    {
        // Whether the step can run this model is checked once, in the step: a refused sequence gets null there.
        if (tokens.Length is < 1 or > TokenStep.MaxTokens)
        {
            return Task.FromResult<Tensor?>(null);
        }

        var request = new Request(new StepSequence(model, cache, tokens));
        lock (_gate)
        {
            _queue.Add(request);
        }

        _work.Release();
        return request.Done.Task;
    }

    private void Loop()
    {
        while (!_stop.IsCancellationRequested)
        {
            try
            {
                _work.Wait(_stop.Token);
            }
            catch (OperationCanceledException)
            {
                break;
            }

            Gather();
            List<Request> batch;
            lock (_gate)
            {
                // Everything queued now joins this step, up to the rows one step takes; the rest wait for the next.
                batch = [];
                var rows = 0;
                foreach (var request in _queue)
                {
                    if (rows + request.Sequence.Tokens.Length > TokenStep.MaxRows)
                    {
                        break;
                    }

                    batch.Add(request);
                    rows += request.Sequence.Tokens.Length;
                }

                _queue.RemoveRange(0, batch.Count);
            }

            // The semaphore counted each request; the ones taken with this one are consumed here.
            for (var i = 1; i < batch.Count; i++)
            {
                _work.Wait();
            }

            Run(batch);
            ReleaseStepWaiters();
        }
    }

    private void ReleaseStepWaiters()
    {
        List<TaskCompletionSource> waiters;
        lock (_gate)
        {
            (waiters, _stepWaiters) = (_stepWaiters, []);
        }

        foreach (var waiter in waiters)
        {
            waiter.TrySetResult();
        }
    }

    /// <summary>Waits, up to a bound, until every decoding stream has asked for this step.</summary>
    private void Gather()
    {
        var started = System.Diagnostics.Stopwatch.GetTimestamp();
        while (System.Diagnostics.Stopwatch.GetElapsedTime(started) < _gatherLimit)
        {
            lock (_gate)
            {
                if (_queue.Count >= Volatile.Read(ref _decoding))
                {
                    return;
                }
            }

            Thread.Yield();
        }
    }

    private void Run(List<Request> batch)
    {
        try
        {
            using var noGrad = no_grad();
            using var threads = DecodeThreading.Enter();
            // Sequences on models with other weights (another base model) step in batches of their own.
            foreach (var group in batch.GroupBy(r => r.Sequence.Model.Model.EmbedTokens.weight!.DataPointer()))
            {
                using var scope = NewDisposeScope();
                var requests = group.ToList();
                var logits = TokenStep.TryRun([.. requests.Select(r => r.Sequence)]);
                var row = 0;
                foreach (var request in requests)
                {
                    // Where the step refuses the batch, each sequence alone; null tells its caller to run its own forward.
                    var rows = logits?.narrow(0, row, request.Sequence.Tokens.Length).clone() ?? TokenStep.TryRun([request.Sequence]);
                    request.Logits = rows?.DetachFromDisposeScope();
                    row += request.Sequence.Tokens.Length;
                }

                lock (_gate)
                {
                    _batchSizes[requests.Count]++;
                }

                Stepped?.Invoke(requests.Count);
            }
        }
        catch (Exception e)
        {
            foreach (var request in batch)
            {
                request.Error = e;
            }
        }
        finally
        {
            foreach (var request in batch)
            {
                request.Complete();
            }
        }
    }

    public void Dispose()
    {
        _stop.Cancel();
        _loop.Join();
        lock (_gate)
        {
            // Nobody waits forever on a step that will not run.
            foreach (var request in _queue)
            {
                request.Error = new ObjectDisposedException(nameof(DecodeBatcher));
                request.Complete();
            }

            _queue.Clear();
        }

        ReleaseStepWaiters();
        _stop.Dispose();
        _work.Dispose();
    }

    private sealed class Registration(DecodeBatcher batcher) : IDisposable
    {
        private int _disposed;

        public void Dispose()
        {
            if (Interlocked.Exchange(ref _disposed, 1) == 0)
            {
                Interlocked.Decrement(ref batcher._decoding);
            }
        }
    }

    private sealed class Request(StepSequence sequence)
    {
        public StepSequence Sequence { get; } = sequence;

        // Continuations run on the thread pool, never on the loop thread that completes them.
        public TaskCompletionSource<Tensor?> Done { get; } = new(TaskCreationOptions.RunContinuationsAsynchronously);
        public Tensor? Logits { get; set; }
        public Exception? Error { get; set; }

        public void Complete()
        {
            if (Error is { } error)
            {
                Done.TrySetException(new InvalidOperationException("the shared decode step failed.", error));
            }
            else
            {
                Done.TrySetResult(Logits);
            }
        }
    }
}
