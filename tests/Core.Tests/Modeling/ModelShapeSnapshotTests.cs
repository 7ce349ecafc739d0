using FineTuneMesh.Core.Modeling;
using static TorchSharp.torch;

namespace FineTuneMesh.Core.Tests.Modeling;

/// <summary>
/// Builds the full Qwen2.5-0.5B architecture on the meta device (no memory, no download) and
/// checks its keys and shapes against the real checkpoint's.
/// </summary>
public class ModelShapeSnapshotTests
{
    [Fact]
    public void Qwen25HasTheRealCheckpointsKeysAndShapes()
    {
        using var model = new CausalLanguageModel(ModelPresets.Qwen25_05B, META);
        var shapes = model.named_parameters().ToDictionary(p => p.name, p => p.parameter.shape);

        Assert.Equal(494_032_768L, shapes.Values.Sum(s => s.Aggregate(1L, (a, b) => a * b)));
        Assert.Equal(2 + 24 * 12, shapes.Count);
        Assert.Equal([151936L, 896], shapes["model.embed_tokens.weight"]);
        Assert.Equal([896L], shapes["model.norm.weight"]);
        Assert.Equal([896L, 896], shapes["model.layers.0.self_attn.q_proj.weight"]);
        Assert.Equal([896L], shapes["model.layers.0.self_attn.q_proj.bias"]);
        Assert.Equal([128L, 896], shapes["model.layers.23.self_attn.k_proj.weight"]);
        Assert.Equal([128L], shapes["model.layers.23.self_attn.v_proj.bias"]);
        Assert.Equal([896L, 896], shapes["model.layers.5.self_attn.o_proj.weight"]);
        Assert.False(shapes.ContainsKey("model.layers.5.self_attn.o_proj.bias"));
        Assert.Equal([4864L, 896], shapes["model.layers.7.mlp.gate_proj.weight"]);
        Assert.Equal([4864L, 896], shapes["model.layers.7.mlp.up_proj.weight"]);
        Assert.Equal([896L, 4864], shapes["model.layers.7.mlp.down_proj.weight"]);
        Assert.Equal([896L], shapes["model.layers.11.input_layernorm.weight"]);
        Assert.Equal([896L], shapes["model.layers.11.post_attention_layernorm.weight"]);
        Assert.False(shapes.ContainsKey("lm_head.weight"));
    }

    [Fact]
    public void LlamaWithoutTiedEmbeddingsHasAnLmHeadAndNoQkvBias()
    {
        var config = ModelPresets.Tiny(100) with { ModelType = "llama", TieWordEmbeddings = false };
        using var model = new CausalLanguageModel(config, META);
        var names = model.named_parameters().Select(p => p.name).ToHashSet();

        Assert.Contains("lm_head.weight", names);
        Assert.DoesNotContain("model.layers.0.self_attn.q_proj.bias", names);
    }
}
