using static TorchSharp.torch;

namespace FineTuneMesh.Core.Modeling;

/// <summary>The decoder stack (the checkpoint's <c>model.*</c> keys): embeddings, layers, final norm.</summary>
public sealed class TransformerModel : nn.Module
{
    private readonly RmsNorm _norm;
    private readonly RotaryEmbedding _rotary;

    public TransformerModel(ModelConfig config, Device? device, ScalarType dtype) : base(nameof(TransformerModel))
    {
        EmbedTokens = nn.Embedding(config.VocabSize, config.HiddenSize, device: device, dtype: dtype);
        Layers = nn.ModuleList([.. Enumerable.Range(0, config.NumHiddenLayers).Select(_ => new DecoderLayer(config, device, dtype))]);
        _norm = new RmsNorm(config.HiddenSize, config.RmsNormEps, device, dtype);
        _rotary = new RotaryEmbedding(config.HeadDim, config.RopeTheta);
        register_module("embed_tokens", EmbedTokens);
        register_module("layers", Layers);
        register_module("norm", _norm);
    }

    public TorchSharp.Modules.Embedding EmbedTokens { get; }
    public TorchSharp.Modules.ModuleList<DecoderLayer> Layers { get; }
    internal RmsNorm Norm => _norm;
    internal RotaryEmbedding Rotary => _rotary;

    /// <param name="inputIds">[B, T] token ids</param>
    /// <param name="cache">the generation's cache; positions continue from its length</param>
    /// <param name="mask">optional boolean [B, 1, T, S] attention mask (padding); null = causal</param>
    /// <returns>final hidden states [B, T, hidden]</returns>
    public Tensor Forward(Tensor inputIds, KvCache? cache, Tensor? mask) =>
        _norm.call(RunLayers(Embed(inputIds), 0, Layers.Count, cache, mask));

    /// <summary>The residual stream entering layer <paramref name="layers"/>: embeddings, then layers [0, layers).</summary>
    /// <param name="inputIds">[B, T] token ids, positions from 0</param>
    /// <param name="layers">how many layers to run</param>
    /// <returns>[B, T, hidden] fp32</returns>
    public Tensor Prefix(Tensor inputIds, int layers) => RunLayers(Embed(inputIds), 0, layers, null, null);

    /// <summary>Final hidden states from the residual stream <paramref name="hidden"/> entering layer <paramref name="firstLayer"/>.</summary>
    public Tensor ForwardFrom(Tensor hidden, int firstLayer) => _norm.call(RunLayers(hidden, firstLayer, Layers.Count, null, null));

    // The residual stream is fp32 whatever the weight dtype: bf16 is a storage and matmul
    // format here (as in llama.cpp), which keeps decode's many small ops off slow bf16 paths.
    private Tensor Embed(Tensor inputIds) => EmbedTokens.call(inputIds).to(ScalarType.Float32);                 // [B, T, hidden]

    private Tensor RunLayers(Tensor h, int from, int to, KvCache? cache, Tensor? mask)
    {
        var (cos, sin) = _rotary.Tables(cache?.Length ?? 0, h.shape[1], ScalarType.Float32);
        for (var i = from; i < to; i++)
        {
            h = Layers[i].Forward(h, cos, sin, cache?[i], mask);
        }

        return h;
    }
}
