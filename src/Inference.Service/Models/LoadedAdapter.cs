using FineTuneMesh.Core;

namespace FineTuneMesh.Inference.Service.Models;

/// <summary>
/// An adapter applied to its own modules over the base model's shared weights. Evicting it
/// disposes those only once the last generation using it has ended.
/// </summary>
public sealed class LoadedAdapter(string name, LanguageModel model, int? version = null, long bytes = 0, IReadOnlyList<string>? expectedTexts = null)
{
    private static long _useClock;

    private readonly Lock _gate = new();
    private int _leases;
    private bool _evicted;

    public string Name { get; } = name;

    /// <summary>The version from object storage; null for a local folder.</summary>
    public int? Version { get; } = version;

    /// <summary>The adapter weights' size: what it costs beyond the shared base model.</summary>
    public long Bytes { get; } = bytes;

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
            return new ModelLease(model, Release, expectedTexts);
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
