using FineTuneMesh.Core.Kernels;
using static TorchSharp.torch;

namespace FineTuneMesh.Core.Modeling;

/// <summary>
/// A decoder-only language model whose parameter names equal the Hugging Face checkpoint's
/// (<c>model.layers.0.self_attn.q_proj.weight</c>, <c>lm_head.weight</c>), so loading needs no mapping.
/// With tied embeddings there is no <c>lm_head</c> parameter: the embedding matrix is reused.
/// </summary>
public sealed class CausalLanguageModel : nn.Module
{
    private readonly Projection? _lmHead;

    public CausalLanguageModel(ModelConfig config, Device? device = null, ScalarType dtype = ScalarType.Float32)
        : base(nameof(CausalLanguageModel))
    {
        Config = config;
        DType = dtype;
        Model = new TransformerModel(config, device, dtype);
        register_module("model", Model);
        if (!config.TieWordEmbeddings)
        {
            _lmHead = new Projection(config.HiddenSize, config.VocabSize, hasBias: false, device, dtype);
            register_module("lm_head", _lmHead);
        }
    }

    public ModelConfig Config { get; }
    public ScalarType DType { get; }
    public TransformerModel Model { get; }

    /// <summary>Logits [B, T, vocab] for every position.</summary>
    public Tensor Forward(Tensor inputIds, KvCache? cache = null, Tensor? mask = null) =>
        Logits(Model.Forward(inputIds, cache, mask));

    /// <summary>Logits [B, vocab] of the last position only: generation needs no others.</summary>
    public Tensor ForwardLast(Tensor inputIds, KvCache? cache = null)
    {
        // One new token is a decode step: memory-bound kernels that bring their own threads.
        using var threads = inputIds.NumberOfElements == 1 ? DecodeThreading.Enter() : default;
        if (inputIds.NumberOfElements == 1 && TokenStep.TryRun(this, inputIds, cache) is { } logits)
        {
            return logits;
        }

        var hidden = Model.Forward(inputIds, cache, null);
        return Logits(hidden.select(1, hidden.shape[1] - 1));
    }

    /// <summary>The output projection's weight [vocab, hidden]: lm_head's, or the embedding's when tied.</summary>
    internal Tensor LmHeadWeight => _lmHead?.Weight ?? Model.EmbedTokens.weight!;

    /// <summary>The output projection's q8_0 scales, when its weight is int8.</summary>
    internal Tensor? LmHeadScale => _lmHead is null ? Model.EmbedScale : _lmHead.Scale;

    /// <summary>
    /// The q8_0 block scales of every int8 weight, by the weight's checkpoint name (empty unless the
    /// model was built with <see cref="ScalarType.Int8"/>): what the loader quantizes into.
    /// </summary>
    public IReadOnlyDictionary<string, Tensor> QuantizationScales
    {
        get
        {
            var scales = named_modules().Where(m => m.module is Projection { Scale: not null })
                .ToDictionary(m => m.name + ".weight", m => ((Projection)m.module).Scale!);
            if (Model.EmbedScale is { } embed)
            {
                scales["model.embed_tokens.weight"] = embed;
            }

            return scales;
        }
    }

    /// <summary>
    /// Logits [T, vocab] of a few tokens of one sequence through the engine's own step (each row
    /// bit for bit what one token at a time gives), or null where that step does not apply.
    /// </summary>
    public Tensor? ForwardStep(Tensor inputIds, KvCache cache)
    {
        using var threads = DecodeThreading.Enter();
        return TokenStep.TryRun(this, inputIds, cache);
    }

    /// <summary>Projects hidden states [..., hidden] to vocabulary logits [..., vocab].</summary>
    public Tensor Logits(Tensor hidden) =>
        Projection.Apply(hidden, LmHeadWeight, null, LmHeadScale);

    /// <summary>
    /// Makes every weight of this model the same tensor storage as <paramref name="source"/>'s, so a
    /// second model (one that LoRA adapters will wrap, say) costs no second copy of the base weights.
    /// Both must have the same config and dtype, and neither may carry adapters yet.
    /// </summary>
    public void ShareWeightsFrom(CausalLanguageModel source)
    {
        var mine = named_parameters().ToList();
        var theirs = source.named_parameters().ToDictionary(p => p.name, p => p.parameter);
        if (source.DType != DType || mine.Count != theirs.Count || mine.Any(p => !theirs.TryGetValue(p.name, out var t) || !t.shape.SequenceEqual(p.parameter.shape)))
        {
            throw new InvalidOperationException("can only share weights between models of the same config and dtype, neither carrying adapters.");
        }

        using (no_grad())
        {
            foreach (var (name, parameter) in mine)
            {
                parameter.set_(theirs[name]);
            }

            var theirScales = source.QuantizationScales;
            foreach (var (name, scale) in QuantizationScales)
            {
                scale.set_(theirScales[name]);
            }
        }

        for (var i = 0; i < Model.Layers.Count; i++)
        {
            Model.Layers[i].SelfAttention.ShareFusedWeightsWith(source.Model.Layers[i].SelfAttention);
            Model.Layers[i].Mlp.ShareFusedWeightsWith(source.Model.Layers[i].Mlp);
        }
    }

    /// <summary>A fresh cache; <paramref name="maxPositions"/> caps how far its buffers grow ahead of use (by doubling), so a generation's memory stays within what was reserved for it.</summary>
    public KvCache NewCache(long maxPositions = long.MaxValue) => new(Config.NumHiddenLayers, maxPositions);
}
