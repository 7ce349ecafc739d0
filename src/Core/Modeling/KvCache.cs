namespace FineTuneMesh.Core.Modeling;

/// <summary>
/// The attention history of one generation. It is passed into every forward call and never kept
/// on the model, so one loaded model serves many concurrent requests.
/// </summary>
public sealed class KvCache : IDisposable
{
    private readonly LayerKvCache[] _layers;

    /// <param name="layerCount">The model's layers.</param>
    /// <param name="maxPositions">The most positions a layer's buffers grow to ahead of use (more are still taken when written).</param>
    public KvCache(int layerCount, long maxPositions = long.MaxValue) =>
        _layers = [.. Enumerable.Range(0, layerCount).Select(_ => new LayerKvCache(maxPositions))];

    public LayerKvCache this[int layer] => _layers[layer];

    /// <summary>How many positions are cached (the position of the next token).</summary>
    public long Length => _layers.Length == 0 ? 0 : _layers[0].Length;

    public void Truncate(long length)
    {
        foreach (var layer in _layers)
        {
            layer.Truncate(length);
        }
    }

    public void Dispose()
    {
        foreach (var layer in _layers)
        {
            layer.Dispose();
        }
    }
}
