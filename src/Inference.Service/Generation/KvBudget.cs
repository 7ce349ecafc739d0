using FineTuneMesh.Core.Modeling;
using Microsoft.Extensions.Options;

namespace FineTuneMesh.Inference.Service.Generation;

/// <summary>
/// The attention-cache memory all running generations may hold together. Each generation reserves
/// its worst case up front (prompt plus max tokens, at the model's bytes per cached position; its
/// cache never grows past that) and hands it back when it ends, so a burst of long requests is
/// refused with a retry hint instead of running the machine out of memory mid-stream.
/// </summary>
public sealed class KvBudget
{
    private readonly object _gate = new();
    private long _reserved;
    private int _generations;

    public KvBudget(IOptions<InferenceOptions> options)
    {
        var configured = options.Value.MaxKvCacheMB;
        BudgetBytes = configured > 0 ? (long)(configured * (1 << 20)) : DefaultBytes();
    }

    /// <summary>The whole budget in bytes.</summary>
    public long BudgetBytes { get; }

    /// <summary>Bytes reserved now, and by how many generations.</summary>
    public (long Bytes, int Generations) Reserved
    {
        get
        {
            lock (_gate)
            {
                return (_reserved, _generations);
            }
        }
    }

    /// <summary>The positions a generation may cache and the bytes they take: prompt plus max tokens, within the model's context.</summary>
    public static (long Positions, long Bytes) Need(ModelConfig config, int promptTokens, int maxNewTokens)
    {
        var positions = Math.Min((long)promptTokens + maxNewTokens, config.MaxPositionEmbeddings);
        return (positions, positions * ModelFootprint.KvCacheBytesPerPosition(config));
    }

    /// <summary>Takes <paramref name="bytes"/> of the budget; false when the generations running hold too much of it.</summary>
    public bool TryReserve(long bytes)
    {
        lock (_gate)
        {
            if (_reserved + bytes > BudgetBytes)
            {
                return false;
            }

            _reserved += bytes;
            _generations++;
            return true;
        }
    }

    /// <summary>Hands back what one <see cref="TryReserve"/> took.</summary>
    public void Release(long bytes)
    {
        lock (_gate)
        {
            _reserved -= bytes;
            _generations--;
        }
    }

    public static string Megabytes(long bytes) => $"{bytes / (double)(1 << 20):0.##} MB";

    /// <summary>
    /// A quarter of the memory this process may use (the machine's, or its container's limit): the
    /// weights, the runtime and the other services keep the rest.
    /// </summary>
    private static long DefaultBytes() => GC.GetGCMemoryInfo().TotalAvailableMemoryBytes / 4;
}
