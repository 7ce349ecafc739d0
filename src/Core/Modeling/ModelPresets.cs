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

    /// <summary>Qwen2.5-1.5B's shapes: 1.54B parameters, tied embeddings.</summary>
    public static ModelConfig Qwen25_15B => Qwen25_05B with { HiddenSize = 1536, IntermediateSize = 8960, NumHiddenLayers = 28, NumAttentionHeads = 12 };

    /// <summary>Qwen2.5-3B's shapes: 3.09B parameters, tied embeddings.</summary>
    public static ModelConfig Qwen25_3B => Qwen25_05B with { HiddenSize = 2048, IntermediateSize = 11008, NumHiddenLayers = 36, NumAttentionHeads = 16 };

    /// <summary>
    /// Llama-3.2-1B's shapes (1.24B parameters, tied embeddings). Its llama3 rope_scaling is left
    /// out (the engine refuses rope_scaling types): speed and memory are the same, positions past
    /// 8k are not.
    /// </summary>
    public static ModelConfig Llama32_1B => new()
    {
        ModelType = "llama",
        Architectures = ["LlamaForCausalLM"],
        VocabSize = 128256,
        HiddenSize = 2048,
        IntermediateSize = 8192,
        NumHiddenLayers = 16,
        NumAttentionHeads = 32,
        NumKeyValueHeads = 8,
        HeadDimension = 64,
        MaxPositionEmbeddings = 131072,
        RmsNormEps = 1e-5,
        RopeTheta = 500000.0,
        TieWordEmbeddings = true,
        BosTokenId = 128000,
        EosTokenId = System.Text.Json.JsonSerializer.SerializeToElement(128009),
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

    public static readonly string[] Names = ["tiny", "qwen2.5-0.5b", "qwen2.5-1.5b", "qwen2.5-3b", "llama-3.2-1b"];

    /// <summary>The preset of a real model's shapes by name, or null (tiny depends on the tokenizer).</summary>
    public static ModelConfig? Named(string name) => name switch
    {
        "qwen2.5-0.5b" => Qwen25_05B,
        "qwen2.5-1.5b" => Qwen25_15B,
        "qwen2.5-3b" => Qwen25_3B,
        "llama-3.2-1b" => Llama32_1B,
        _ => null,
    };
}
