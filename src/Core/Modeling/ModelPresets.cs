namespace FineTuneMesh.Core.Modeling;

/// <summary>Named architectures for <c>model init</c>: tiny ones for tests, real shapes for benchmarks.</summary>
public static class ModelPresets
{
    /// <summary>Qwen2.5-0.5B(-Instruct)'s exact shapes: 494,032,768 parameters with tied embeddings.</summary>
    public static ModelConfig Qwen25_05B => new()
    {
        ModelType = "qwen2",
        Architectures = ["Qwen2ForCausalLM"],
        VocabSize = 151936,
        HiddenSize = 896,
        IntermediateSize = 4864,
        NumHiddenLayers = 24,
        NumAttentionHeads = 14,
        NumKeyValueHeads = 2,
        MaxPositionEmbeddings = 32768,
        RmsNormEps = 1e-6,
        RopeTheta = 1000000.0,
        TieWordEmbeddings = true,
        BosTokenId = 151643,
        EosTokenId = System.Text.Json.JsonSerializer.SerializeToElement(151645),
        TorchDtype = "bfloat16",
    };

    /// <summary>A few-hundred-thousand-parameter Qwen2 for tests: GQA, biases, RoPE all exercised.</summary>
    public static ModelConfig Tiny(int vocabSize) => new()
    {
        ModelType = "qwen2",
        Architectures = ["Qwen2ForCausalLM"],
        VocabSize = vocabSize,
        HiddenSize = 64,
        IntermediateSize = 128,
        NumHiddenLayers = 2,
        NumAttentionHeads = 4,
        NumKeyValueHeads = 2,
        MaxPositionEmbeddings = 2048,
        RmsNormEps = 1e-6,
        RopeTheta = 1000000.0,
        TieWordEmbeddings = true,
        TorchDtype = "float32",
    };

    public static readonly string[] Names = ["tiny", "qwen2.5-0.5b"];
}
