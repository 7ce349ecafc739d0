using System.Diagnostics;
using Microsoft.Extensions.Options;

namespace FineTuneMesh.Inference.Service.Generation;

/// <summary>
/// Bounds the work in flight: <see cref="InferenceOptions.MaxConcurrentGenerations"/> decode at a
/// time, up to <see cref="InferenceOptions.MaxQueuedGenerations"/> wait for a slot, and anything
/// beyond is refused at once rather than queued without limit. A request waits at most
/// <see cref="InferenceOptions.MaxQueueWaitSeconds"/>, and is told every
/// <see cref="InferenceOptions.KeepAliveMs"/> that it is still waiting, so that its API can keep
/// the connection visibly alive.
/// </summary>
public sealed class AdmissionQueue : IDisposable
{
    private readonly SemaphoreSlim _slots;
    private readonly int _capacity;
    private readonly TimeSpan _maxWait;
    private readonly TimeSpan _keepAlive;
    private readonly int _retryAfterMs;
    private int _admitted;

    public AdmissionQueue(IOptions<InferenceOptions> options)
    {
        var value = options.Value;
        _slots = new SemaphoreSlim(value.MaxConcurrentGenerations, value.MaxConcurrentGenerations);
        _capacity = value.MaxConcurrentGenerations + value.MaxQueuedGenerations;
        _maxWait = TimeSpan.FromSeconds(value.MaxQueueWaitSeconds);
        _keepAlive = TimeSpan.FromMilliseconds(value.KeepAliveMs);
        _retryAfterMs = value.RetryAfterMs;
    }

    /// <summary>Generations running or waiting.</summary>
    public int Admitted => Volatile.Read(ref _admitted);

    /// <summary>
    /// Waits for a slot; false at once when the queue is full. After true, call <see cref="Release"/> exactly once.
    /// </summary>
    /// <param name="whileWaiting">Called when the request has to wait, then every keep-alive interval, with the time waited.</param>
    /// <param name="cancellationToken">The caller leaving.</param>
    /// <exception cref="ServerBusyException">No slot came free within the longest queue wait.</exception>
    public async Task<bool> TryEnterAsync(Func<TimeSpan, CancellationToken, Task>? whileWaiting, CancellationToken cancellationToken)
    {
        if (Interlocked.Increment(ref _admitted) > _capacity)
        {
            Interlocked.Decrement(ref _admitted);
            return false;
        }

        try
        {
            if (await _slots.WaitAsync(0, cancellationToken).ConfigureAwait(false))
            {
                return true;
            }

            var clock = Stopwatch.StartNew();
            while (true)
            {
                if (whileWaiting is not null)
                {
                    await whileWaiting(clock.Elapsed, cancellationToken).ConfigureAwait(false);
                }

                var left = _maxWait - clock.Elapsed;
                if (left <= TimeSpan.Zero)
                {
                    throw new ServerBusyException(
                        $"no decode slot came free within {_maxWait.TotalSeconds:0} s (Inference:MaxQueueWaitSeconds); retry after {_retryAfterMs} ms.",
                        _retryAfterMs);
                }

                if (await _slots.WaitAsync(left < _keepAlive ? left : _keepAlive, cancellationToken).ConfigureAwait(false))
                {
                    return true;
                }
            }
        }
        catch
        {
            Interlocked.Decrement(ref _admitted);
            throw;
        }
    }

    public void Release()
    {
        _slots.Release();
        Interlocked.Decrement(ref _admitted);
    }

    public void Dispose() => _slots.Dispose();
}
