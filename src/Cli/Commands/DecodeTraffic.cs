using FineTuneMesh.Core.Modeling;

namespace FineTuneMesh.Cli.Commands;

/// <summary>
/// The bytes of weights one decoded token reads: every projection of every layer and the output
/// projection (the embedding when tied), in the format they are stored in. One embedding row and
/// the norms are left out (a few kilobytes).
/// </summary>
public static class DecodeTraffic
{
    public static double BytesPerToken(ModelConfig config, string dtype, bool llamaCpp = false)
    {
        long h = config.HiddenSize, q = config.NumAttentionHeads * (long)config.HeadDim, kv = config.KeyValueHeads * (long)config.HeadDim;
        var perLayer = h * (q + 2 * kv) + q * h + 3 * h * config.IntermediateSize;
        var weights = config.NumHiddenLayers * perLayer + (long)config.VocabSize * h;
        var bytesPerWeight = dtype switch
        {
            "fp32" => 4.0,
            // 32 int8 values and a scale: fp16 in llama.cpp's blocks, fp32 beside ours.
            "q8_0" => llamaCpp ? 34.0 / 32 : 36.0 / 32,
            _ => 2.0,
        };
        return weights * bytesPerWeight;
    }
}
