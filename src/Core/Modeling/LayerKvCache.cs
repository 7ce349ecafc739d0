using static TorchSharp.torch;

namespace FineTuneMesh.Core.Modeling;

/// <summary>
/// Keys and values of one layer for one sequence batch, in a buffer that grows by doubling so
/// that a decode step writes in place instead of re-concatenating the whole history.
/// </summary>
public sealed class LayerKvCache : IDisposable
{
    private Tensor? _keys;   // [B, kvH, capacity, D]
    private Tensor? _values; // [B, kvH, capacity, D]

    public long Length { get; private set; }

    /// <summary>Appends [B, kvH, T, D] keys and values and returns views of the whole history.</summary>
    public (Tensor Keys, Tensor Values) Append(Tensor keys, Tensor values)
    {
        var added = keys.shape[2];
        EnsureCapacity(keys, Length + added);
        _keys!.narrow(2, Length, added).copy_(keys);
        _values!.narrow(2, Length, added).copy_(values);
        Length += added;
        return (_keys.narrow(2, 0, Length), _values.narrow(2, 0, Length));
    }

    /// <summary>Forgets everything after <paramref name="length"/> positions (for prompt reuse).</summary>
    public void Truncate(long length) => Length = Math.Min(Length, length);

    private void EnsureCapacity(Tensor like, long needed)
    {
        var capacity = _keys?.shape[2] ?? 0;
        if (needed <= capacity)
        {
            return;
        }

        var newCapacity = Math.Max(needed, Math.Max(64, capacity * 2));
        var shape = new[] { like.shape[0], like.shape[1], newCapacity, like.shape[3] };
        var keys = empty(shape, like.dtype, like.device).DetachFromDisposeScope();
        var values = empty(shape, like.dtype, like.device).DetachFromDisposeScope();
        if (_keys is not null && Length > 0)
        {
            keys.narrow(2, 0, Length).copy_(_keys.narrow(2, 0, Length));
            values.narrow(2, 0, Length).copy_(_values!.narrow(2, 0, Length));
        }

        _keys?.Dispose();
        _values?.Dispose();
        _keys = keys;
        _values = values;
    }

    public void Dispose()
    {
        _keys?.Dispose();
        _values?.Dispose();
        _keys = null;
        _values = null;
        Length = 0;
    }
}
