using Microsoft.Extensions.Options;

namespace FineTuneMesh.Inference.Service.Generation;

/// <summary>
/// Bounds the work in flight: <see cref="InferenceOptions.MaxConcurrentGenerations"/> decode at a
/// time, up to <see cref="InferenceOptions.MaxQueuedGenerations"/> wait for a slot, and anything
/// beyond is refused at once rather than queued without limit.
/// </summary>
public sealed class AdmissionQueue : IDisposable
{
    private readonly SemaphoreSlim _slots;
    private readonly int _capacity;
    private int _admitted;

    public AdmissionQueue(IOptions<InferenceOptions> options)
    {
        var value = options.Value;
        _slots = new SemaphoreSlim(value.MaxConcurrentGenerations, value.MaxConcurrentGenerations);
        _capacity = value.MaxConcurrentGenerations + value.MaxQueuedGenerations;
    }

    /// <summary>Generations running or waiting.</summary>
    public int Admitted => Volatile.Read(ref _admitted);

    /// <summary>
    /// Waits for a slot; false at once when the queue is full. After true, call <see cref="Release"/> exactly once.
    /// </summary>
    public async Task<bool> TryEnterAsync(CancellationToken cancellationToken)
    {
        if (Interlocked.Increment(ref _admitted) > _capacity)
        {
            Interlocked.Decrement(ref _admitted);
            return false;
        }

        try
        {
            await _slots.WaitAsync(cancellationToken).ConfigureAwait(false);
            return true;
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
