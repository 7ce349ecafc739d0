using static TorchSharp.torch;

namespace FineTuneMesh.Core.Modeling;

/// <summary>
/// Keys and values of one layer for one sequence batch, in a buffer that grows by doubling so
/// that a decode step writes in place instead of re-concatenating the whole history. Growth stops
/// at <paramref name="maxPositions"/> ahead of use: a generation whose length is known never holds
/// more than it will need (the inference service reserves exactly that much of its KV budget).
/// </summary>
public sealed class LayerKvCache(long maxPositions = long.MaxValue) : IDisposable
{
    private Tensor? _keys;   // [B, kvH, capacity, D]
    private Tensor? _values; // [B, kvH, capacity, D]

    public long Length { get; private set; }

    /// <summary>Appends [B, kvH, T, D] keys and values and returns views of the whole history.</summary>
    public (Tensor Keys, Tensor Values) Append(Tensor keys, Tensor values)
    {
        var added = keys.shape[2];
        EnsureCapacity(keys.shape[0], keys.shape[1], keys.shape[3], keys.dtype, keys.device, Length + added);
        _keys!.narrow(2, Length, added).copy_(keys);
        _values!.narrow(2, Length, added).copy_(values);
        Length += added;
        return (_keys.narrow(2, 0, Length), _values.narrow(2, 0, Length));
    }

    /// <summary>
    /// Room for <paramref name="count"/> more positions of a single sequence in fp32, for the
    /// engine's token step: the buffers [1, kvH, capacity, D] as they are after the call. The step
    /// writes positions from <see cref="Length"/> on and then calls <see cref="Advance"/>.
    /// </summary>
    internal (Tensor Keys, Tensor Values) Reserve(int count, long kvHeads, long headDim)
    {
        EnsureCapacity(1, kvHeads, headDim, ScalarType.Float32, CPU, Length + count);
        return (_keys!, _values!);
    }

    /// <summary>Counts the positions that <see cref="Reserve"/> made room for as written.</summary>
    internal void Advance(int count) => Length += count;

    /// <summary>Whether the cached history is one fp32 CPU sequence that the single-token step can extend.</summary>
    internal bool IsSingleFloat32Sequence => _keys is null
        || (_keys.shape[0] == 1 && _keys.dtype == ScalarType.Float32 && _keys.device_type == TorchSharp.DeviceType.CPU);

    /// <summary>Forgets everything after <paramref name="length"/> positions (for prompt reuse).</summary>
    public void Truncate(long length) => Length = Math.Min(Length, length);

    private void EnsureCapacity(long batch, long kvHeads, long headDim, ScalarType dtype, Device device, long needed)
    {
        var capacity = _keys?.shape[2] ?? 0;
        if (needed <= capacity)
        {
            return;
        }

        var newCapacity = Math.Max(needed, Math.Min(maxPositions, Math.Max(64, capacity * 2)));
        var shape = new[] { batch, kvHeads, newCapacity, headDim };
        var keys = empty(shape, dtype, device).DetachFromDisposeScope();
        var values = empty(shape, dtype, device).DetachFromDisposeScope();
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
