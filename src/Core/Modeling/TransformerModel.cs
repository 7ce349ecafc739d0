using static TorchSharp.torch;

namespace FineTuneMesh.Core.Modeling;

/// <summary>The decoder stack (the checkpoint's <c>model.*</c> keys): embeddings, layers, final norm.</summary>
public sealed class TransformerModel : nn.Module
{
    private readonly RmsNorm _norm;
    private readonly RotaryEmbedding _rotary;

    public TransformerModel(ModelConfig config, Device? device, ScalarType dtype) : base(nameof(TransformerModel))
    {
        // The table is left empty for the loader to fill: nn.Embedding's random initialisation wrote
        // every page of it (300 MB of bf16 for Qwen2.5-0.5B) only to be overwritten, and an int8 (q8_0)
        // table, whose rows carry block scales as the tied lm_head, cannot be initialised at all.
        EmbedTokens = nn.Embedding(1, config.HiddenSize, device: device, dtype: DTypeNames.VectorDType(dtype));
        EmbedTokens.weight = new TorchSharp.Modules.Parameter(empty([config.VocabSize, config.HiddenSize], dtype, device),
            requires_grad: dtype != ScalarType.Int8);

        EmbedScale = dtype == ScalarType.Int8 ? Q8Weights.EmptyScales(config.VocabSize, config.HiddenSize, device).DetachFromDisposeScope() : null;
        Layers = nn.ModuleList([.. Enumerable.Range(0, config.NumHiddenLayers).Select(_ => new DecoderLayer(config, device, dtype))]);
        _norm = new RmsNorm(config.HiddenSize, config.RmsNormEps, device, dtype);
        _rotary = new RotaryEmbedding(config.HeadDim, config.RopeTheta);
        register_module("embed_tokens", EmbedTokens);
        register_module("layers", Layers);
        register_module("norm", _norm);
    }

    protected override void Dispose(bool disposing)
    {
        base.Dispose(disposing);
        if (disposing)
        {
            EmbedScale?.Dispose();
        }
    }

    public TorchSharp.Modules.Embedding EmbedTokens { get; }

    /// <summary>q8_0 block scales of the embedding when it is stored as int8; null otherwise.</summary>
    public Tensor? EmbedScale { get; }
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
    private Tensor Embed(Tensor inputIds)
    {
        if (EmbedScale is null)
        {
            return EmbedTokens.call(inputIds).to(ScalarType.Float32);                                        // [B, T, hidden]
        }

        var ids = inputIds.flatten();
        var rows = Q8Weights.Dequantize(EmbedTokens.weight!.index_select(0, ids), EmbedScale.index_select(0, ids), ScalarType.Float32);
        return rows.view([.. inputIds.shape, -1]);                                                             // [B, T, hidden]
    }

    private Tensor RunLayers(Tensor h, int from, int to, KvCache? cache, Tensor? mask)
    {
        var (cos, sin) = _rotary.Tables(cache?.Length ?? 0, h.shape[1], ScalarType.Float32);
        for (var i = from; i < to; i++)
        {
            // Each layer's intermediates are released as soon as the layer is done (autograd keeps
            // what backward needs by reference). In one scope for the whole pass, a 128-token
            // prefill of the 0.5B model held about 20 MB per layer until the end: 0.5 GB of peak.
            using var scope = NewDisposeScope();
            h = Layers[i].Forward(h, cos, sin, cache?[i], mask).MoveToOuterDisposeScope();
        }

        return h;
    }
}
