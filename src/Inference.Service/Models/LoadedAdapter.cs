using FineTuneMesh.Core;

namespace FineTuneMesh.Inference.Service.Models;

/// <summary>
/// An adapter applied to its own copy of the base model. Evicting it disposes the model only once
/// the last generation using it has ended.
/// </summary>
public sealed class LoadedAdapter(string name, LanguageModel model)
{
    private static long _useClock;

    private readonly Lock _gate = new();
    private int _leases;
    private bool _evicted;

    public string Name { get; } = name;

    /// <summary>A process-wide counter value: larger means used more recently.</summary>
    public long LastUsed { get; private set; } = Interlocked.Increment(ref _useClock);

    public ModelLease? TryLease()
    {
        lock (_gate)
        {
            if (_evicted)
            {
                return null;
            }

            _leases++;
            LastUsed = Interlocked.Increment(ref _useClock);
            return new ModelLease(model, Release);
        }
    }

    public void Evict()
    {
        lock (_gate)
        {
            _evicted = true;
            if (_leases > 0)
            {
                return;
            }
        }

        model.Dispose();
    }

    private void Release()
    {
        lock (_gate)
        {
            _leases--;
            if (!_evicted || _leases > 0)
            {
                return;
            }
        }

        model.Dispose();
    }
}
