using static TorchSharp.torch;

namespace FineTuneMesh.Core.Modeling;

/// <summary>
/// How much memory a model's weights take in a dtype, checked against what the machine has free
/// before anything is allocated: a model that cannot fit is refused with the numbers at once,
/// not after minutes of loading and swapping.
/// </summary>
public static class ModelFootprint
{
    /// <summary>Parameters of the architecture in <paramref name="config"/> (biases and norms included).</summary>
    public static long Parameters(ModelConfig config)
    {
        long h = config.HiddenSize, inner = config.IntermediateSize, hd = config.HeadDim;
        long q = config.NumAttentionHeads * hd, kv = config.KeyValueHeads * hd;
        var attention = h * (q + 2 * kv) + q * h + (config.QkvBias ? q + 2 * kv : 0) + (config.OutputProjectionBias ? h : 0);
        var mlp = 3 * h * inner + (config.MlpBias ? 2 * inner + h : 0);
        var layer = attention + mlp + 2 * h;
        var embeddings = (long)config.VocabSize * h * (config.TieWordEmbeddings ? 1 : 2);
        return embeddings + config.NumHiddenLayers * layer + h;
    }

    /// <summary>Bytes of the weights in <paramref name="dtype"/>; q8_0 is one byte per value plus a 4-byte scale per 32.</summary>
    public static long WeightBytes(ModelConfig config, ScalarType dtype) => dtype switch
    {
        ScalarType.Float32 => Parameters(config) * 4,
        ScalarType.Int8 => Parameters(config) * 9 / 8,
        _ => Parameters(config) * 2,
    };

    /// <summary>
    /// Bytes one cached position takes across all layers: keys and values of every key/value head,
    /// in fp32 (the engine's token step keeps its cache in fp32, so this bounds the other dtypes too).
    /// </summary>
    public static long KvCacheBytesPerPosition(ModelConfig config) =>
        (long)config.NumHiddenLayers * 2 * config.KeyValueHeads * config.HeadDim * sizeof(float);

    /// <summary>Free memory now (MemAvailable), or null where the system does not say.</summary>
    public static long? AvailableBytes()
    {
        try
        {
            var line = File.ReadLines("/proc/meminfo").FirstOrDefault(l => l.StartsWith("MemAvailable:", StringComparison.Ordinal));
            return line is null ? null : long.Parse(line.Split(' ', StringSplitOptions.RemoveEmptyEntries)[1], System.Globalization.CultureInfo.InvariantCulture) * 1024;
        }
        catch (IOException)
        {
            return null;
        }
    }

    /// <summary>Throws <see cref="InsufficientMemoryException"/> when the weights alone would not fit in free memory.</summary>
    public static void EnsureFits(ModelConfig config, ScalarType dtype, string source, long? available = null)
    {
        available ??= AvailableBytes();
        var needed = WeightBytes(config, dtype);
        // Loading holds a little more than the weights (the checkpoint's pages, the tokenizer, a work area).
        const long Headroom = 256L << 20;
        if (available is { } free && needed + Headroom > free)
        {
            var suggestion = dtype == ScalarType.Float32 ? " Try bf16 (half the bytes) or a smaller model." : " Try a smaller model.";
            throw new InsufficientMemoryException(
                $"{source}: {Parameters(config) / 1e9:F2}B parameters need {needed / 1e9:F1} GB in {DTypeNames.ToUserName(dtype)} "
                + $"(plus about {Headroom >> 20} MB to load), but only {free / 1e9:F1} GB of memory is free.{suggestion}");
        }
    }
}
