using static TorchSharp.torch;

namespace FineTuneMesh.Core.Modeling;

/// <summary>Grouped-query self-attention with rotary positions and an external KV cache.</summary>
public sealed class Attention : nn.Module
{
    private readonly Dictionary<string, nn.Module<Tensor, Tensor>> _projections;
    private readonly int _heads;
    private readonly int _kvHeads;
    private readonly int _headDim;
    private readonly FusedProjections _qkv;

    public Attention(ModelConfig config, Device? device, ScalarType dtype) : base(nameof(Attention))
    {
        _heads = config.NumAttentionHeads;
        _kvHeads = config.KeyValueHeads;
        _headDim = config.HeadDim;
        var hidden = config.HiddenSize;
        _qkv = new FusedProjections(hidden, [_heads * _headDim, _kvHeads * _headDim, _kvHeads * _headDim], config.QkvBias, device, dtype);
        _projections = new()
        {
            ["q_proj"] = _qkv.Parts[0],
            ["k_proj"] = _qkv.Parts[1],
            ["v_proj"] = _qkv.Parts[2],
            ["o_proj"] = new Projection(_heads * _headDim, hidden, config.OutputProjectionBias, device, dtype),
        };
        foreach (var (name, module) in _projections)
        {
            register_module(name, module);
        }
    }

    /// <summary>The four projections by their checkpoint names; LoRA wraps entries of this map.</summary>
    public IReadOnlyDictionary<string, nn.Module<Tensor, Tensor>> Projections => _projections;

    /// <summary>q/k/v as row blocks of one matrix (the single-token step reads it directly).</summary>
    internal FusedProjections Qkv => _qkv;

    /// <summary>Shares the fused weight buffer with the same block of another model (see <see cref="CausalLanguageModel.ShareWeightsFrom"/>).</summary>
    internal void ShareFusedWeightsWith(Attention source) => _qkv.ShareStorageWith(source._qkv);

    /// <summary>Swaps a projection under the same checkpoint name (LoRA wraps and unwraps them).</summary>
    public void ReplaceProjection(string name, nn.Module<Tensor, Tensor> module)
    {
        if (!Projections.ContainsKey(name))
        {
            throw new ArgumentException($"the attention block has no projection '{name}'.");
        }

        _projections[name] = module;
        _internal_submodules[name] = module;
    }

    /// <param name="x">[B, T, hidden]</param>
    /// <param name="cos">[1, 1, T, D]</param>
    /// <param name="sin">[1, 1, T, D]</param>
    /// <param name="cache">this layer's cache, or null for a cache-free pass</param>
    /// <param name="mask">boolean [B or 1, 1, T, S] (true = may attend), or null for plain causal</param>
    public Tensor Forward(Tensor x, Tensor cos, Tensor sin, LayerKvCache? cache, Tensor? mask)
    {
        var (batch, length) = (x.shape[0], x.shape[1]);
        var (qProj, kProj, vProj) = (_projections["q_proj"], _projections["k_proj"], _projections["v_proj"]);
        var qkv = _qkv.Apply(x, [qProj, kProj, vProj]);
        var q = qkv[0].view(batch, length, _heads, _headDim).transpose(1, 2);                          // [B, H, T, D]
        var k = qkv[1].view(batch, length, _kvHeads, _headDim).transpose(1, 2);                        // [B, kvH, T, D]
        var v = qkv[2].view(batch, length, _kvHeads, _headDim).transpose(1, 2);                        // [B, kvH, T, D]
        q = RotaryEmbedding.Apply(q, cos, sin);
        k = RotaryEmbedding.Apply(k, cos, sin);

        var past = cache?.Length ?? 0;
        if (cache is not null)
        {
            (k, v) = cache.Append(k, v);                                                     // [B, kvH, S, D]
        }

        k = RepeatKeyValueHeads(k);                                                          // [B, H, S, D]
        v = RepeatKeyValueHeads(v);

        Tensor output;
        if (mask is null && past == 0)
        {
            output = nn.functional.scaled_dot_product_attention(q, k, v, is_casual: length > 1);
        }
        else
        {
            mask ??= CausalMask(length, past, x.device);
            output = nn.functional.scaled_dot_product_attention(q, k, v, attn_mask: mask);
        }

        output = output.transpose(1, 2).reshape(batch, length, _heads * _headDim);          // [B, T, H*D]
        return _projections["o_proj"].call(output);
    }

    /// <summary>[1, 1, T, past+T]: query i (at absolute position past+i) sees keys 0..past+i.</summary>
    public static Tensor CausalMask(long length, long past, Device device)
    {
        var total = past + length;
        return ones(length, total, ScalarType.Bool, device).tril(past).view(1, 1, length, total);
    }

    private Tensor RepeatKeyValueHeads(Tensor kv)
    {
        if (_heads == _kvHeads)
        {
            return kv;
        }

        var (batch, length) = (kv.shape[0], kv.shape[2]);
        var groups = _heads / _kvHeads;
        return kv.unsqueeze(2).expand(batch, _kvHeads, groups, length, _headDim).reshape(batch, _heads, length, _headDim);
    }

    protected override void Dispose(bool disposing)
    {
        base.Dispose(disposing);
        if (disposing)
        {
            _qkv.Dispose();
        }
    }
}
