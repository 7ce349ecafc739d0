using FineTuneMesh.Core.Modeling;
using static TorchSharp.torch;

namespace FineTuneMesh.Core.Training;

/// <summary>
/// When adapters sit only in layers k and above, the residual stream entering layer k depends on
/// the input ids alone: the layers below are frozen and carry no dropout. This cache computes it
/// once per example (the first time the example is seen) and hands it back in every later epoch
/// and evaluation, so after the first epoch nothing runs below layer k, forward or backward.
/// Entries are fp32 [T, hidden], exactly what the uncached forward computes; past
/// <see cref="MaxBytes"/> examples are computed each time instead of stored.
/// </summary>
public sealed class FrozenPrefixCache(CausalLanguageModel model, int firstAdaptedLayer, long maxBytes) : IDisposable
{
    private readonly Dictionary<TrainingExample, Tensor> _entries = new(ReferenceEqualityComparer.Instance);
    private long _bytes;

    public int FirstAdaptedLayer { get; } = firstAdaptedLayer;
    public long MaxBytes { get; } = maxBytes;
    public int Hits { get; private set; }
    public int Misses { get; private set; }

    /// <summary>The residual streams of <paramref name="batch"/>, right-padded with zeros to <paramref name="length"/>: [B, length, hidden].</summary>
    public Tensor Batch(IReadOnlyList<TrainingExample> batch, int length)
    {
        var rows = batch.Select(example =>
        {
            var hidden = Hidden(example);                                                     // [T, hidden]
            return hidden.shape[0] == length ? hidden : nn.functional.pad(hidden, [0, 0, 0, length - hidden.shape[0]]);
        }).ToArray();
        return stack(rows);
    }

    private Tensor Hidden(TrainingExample example)
    {
        if (_entries.TryGetValue(example, out var cached))
        {
            Hits++;
            return cached;
        }

        Misses++;
        Tensor hidden;
        using (no_grad())
        {
            var ids = tensor(example.PromptIds.Concat(example.CompletionIds).Select(i => (long)i).ToArray()).view(1, -1);
            hidden = model.Model.Prefix(ids, FirstAdaptedLayer)[0];                            // [T, hidden]
        }

        var bytes = hidden.NumberOfElements * sizeof(float);
        if (_bytes + bytes <= MaxBytes)
        {
            hidden = hidden.detach().DetachFromDisposeScope();
            _entries[example] = hidden;
            _bytes += bytes;
        }

        return hidden;
    }

    public void Dispose()
    {
        foreach (var entry in _entries.Values)
        {
            entry.Dispose();
        }

        _entries.Clear();
    }
}
