using static TorchSharp.torch;

namespace FineTuneMesh.Core.Modeling;

/// <summary>One pre-norm transformer block: x + attn(norm(x)), then h + mlp(norm(h)).</summary>
public sealed class DecoderLayer : nn.Module
{
    private readonly RmsNorm _inputNorm;
    private readonly RmsNorm _postAttentionNorm;

    public DecoderLayer(ModelConfig config, Device? device, ScalarType dtype) : base(nameof(DecoderLayer))
    {
        SelfAttention = new Attention(config, device, dtype);
        Mlp = new Mlp(config, device, dtype);
        _inputNorm = new RmsNorm(config.HiddenSize, config.RmsNormEps, device, dtype);
        _postAttentionNorm = new RmsNorm(config.HiddenSize, config.RmsNormEps, device, dtype);
        register_module("self_attn", SelfAttention);
        register_module("mlp", Mlp);
        register_module("input_layernorm", _inputNorm);
        register_module("post_attention_layernorm", _postAttentionNorm);
    }

    public Attention SelfAttention { get; }
    public Mlp Mlp { get; }
    internal RmsNorm InputNorm => _inputNorm;
    internal RmsNorm PostAttentionNorm => _postAttentionNorm;

    public Tensor Forward(Tensor x, Tensor cos, Tensor sin, LayerKvCache? cache, Tensor? mask)
    {
        var h = x + SelfAttention.Forward(_inputNorm.call(x), cos, sin, cache, mask);
        return h + Mlp.call(_postAttentionNorm.call(h));
    }
}
