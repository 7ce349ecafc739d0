using System.Text.RegularExpressions;

namespace FineTuneMesh.Core.Export;

/// <summary>Maps Hugging Face Qwen2/Llama parameter names to llama.cpp's GGUF tensor names.</summary>
public static partial class GgufTensorNames
{
    private static readonly Dictionary<string, string> _layerParts = new()
    {
        ["input_layernorm.weight"] = "attn_norm.weight",
        ["self_attn.q_proj.weight"] = "attn_q.weight",
        ["self_attn.q_proj.bias"] = "attn_q.bias",
        ["self_attn.k_proj.weight"] = "attn_k.weight",
        ["self_attn.k_proj.bias"] = "attn_k.bias",
        ["self_attn.v_proj.weight"] = "attn_v.weight",
        ["self_attn.v_proj.bias"] = "attn_v.bias",
        ["self_attn.o_proj.weight"] = "attn_output.weight",
        ["self_attn.o_proj.bias"] = "attn_output.bias",
        ["post_attention_layernorm.weight"] = "ffn_norm.weight",
        ["mlp.gate_proj.weight"] = "ffn_gate.weight",
        ["mlp.gate_proj.bias"] = "ffn_gate.bias",
        ["mlp.up_proj.weight"] = "ffn_up.weight",
        ["mlp.up_proj.bias"] = "ffn_up.bias",
        ["mlp.down_proj.weight"] = "ffn_down.weight",
        ["mlp.down_proj.bias"] = "ffn_down.bias",
    };

    /// <summary>The GGUF name, or null when the name is not a known Qwen2/Llama parameter.</summary>
    public static string? FromHuggingFace(string name)
    {
        switch (name)
        {
            case "model.embed_tokens.weight":
                return "token_embd.weight";
            case "model.norm.weight":
                return "output_norm.weight";
            case "lm_head.weight":
                return "output.weight";
        }

        var match = LayerName().Match(name);
        return match.Success && _layerParts.TryGetValue(match.Groups[2].Value, out var part)
            ? $"blk.{match.Groups[1].Value}.{part}"
            : null;
    }

    [GeneratedRegex(@"^model\.layers\.(\d+)\.(.+)$")]
    private static partial Regex LayerName();
}
