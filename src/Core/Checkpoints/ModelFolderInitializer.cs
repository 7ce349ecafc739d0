using FineTuneMesh.Core.Modeling;
using FineTuneMesh.Core.Tokenization;
using static TorchSharp.torch;

namespace FineTuneMesh.Core.Checkpoints;

/// <summary>
/// Writes a complete random model folder in the Hugging Face layout: config.json, seeded
/// model.safetensors, a real byte-level BPE tokenizer.json with ChatML tokens and chat template,
/// tokenizer_config.json and generation_config.json. The engine loads it like any download.
/// </summary>
public static class ModelFolderInitializer
{
    public sealed record Options
    {
        public string Preset { get; init; } = "tiny";
        public int? HiddenSize { get; init; }
        public int? Layers { get; init; }
        public int? Heads { get; init; }
        public int? KeyValueHeads { get; init; }
        public int? IntermediateSize { get; init; }
        public bool? TieWordEmbeddings { get; init; }
        /// <summary>qwen2 or llama; null means the preset's (qwen2 for tiny).</summary>
        public string? ModelType { get; init; }
        public int TokenizerMerges { get; init; } = 200;
        public double Std { get; init; } = 0.02;
        public long Seed { get; init; } = 42;
        public ScalarType DType { get; init; } = ScalarType.Float32;
    }

    public static ModelConfig Write(string folder, Options options)
    {
        Directory.CreateDirectory(folder);
        var tokenizerVocab = TinyTokenizerFactory.Write(folder, options.TokenizerMerges);
        var tokenizer = TextTokenizer.Load(folder);
        var config = BuildConfig(options, tokenizerVocab, tokenizer);
        RandomCheckpointWriter.Write(folder, config, options.Std, options.Seed, options.DType);
        new GenerationDefaults
        {
            BosTokenId = tokenizer.TokenToId(TinyTokenizerFactory.EndOfText),
            PadTokenId = tokenizer.TokenToId(TinyTokenizerFactory.EndOfText),
            EosTokenId = System.Text.Json.JsonSerializer.SerializeToElement(new[]
            {
                tokenizer.TokenToId(TinyTokenizerFactory.ImEnd)!.Value,
                tokenizer.TokenToId(TinyTokenizerFactory.EndOfText)!.Value,
            }),
            DoSample = true,
            Temperature = 0.7,
            TopP = 0.8,
            TopK = 20,
            RepetitionPenalty = 1.05,
        }.Save(folder);
        return config;
    }

    private static ModelConfig BuildConfig(Options options, int tokenizerVocab, TextTokenizer tokenizer)
    {
        var preset = options.Preset switch
        {
            "tiny" => ModelPresets.Tiny(RoundUp(tokenizerVocab, 16)),
            _ when ModelPresets.Named(options.Preset) is { } named => named,
            _ => throw new ArgumentException($"unknown preset '{options.Preset}'; use {string.Join(" or ", ModelPresets.Names)}."),
        };

        var eos = tokenizer.TokenToId(TinyTokenizerFactory.ImEnd)!.Value;
        return preset with
        {
            ModelType = options.ModelType ?? preset.ModelType,
            Architectures = [(options.ModelType ?? preset.ModelType) == "llama" ? "LlamaForCausalLM" : "Qwen2ForCausalLM"],
            HiddenSize = options.HiddenSize ?? preset.HiddenSize,
            NumHiddenLayers = options.Layers ?? preset.NumHiddenLayers,
            NumAttentionHeads = options.Heads ?? preset.NumAttentionHeads,
            NumKeyValueHeads = options.KeyValueHeads ?? preset.NumKeyValueHeads,
            IntermediateSize = options.IntermediateSize ?? preset.IntermediateSize,
            TieWordEmbeddings = options.TieWordEmbeddings ?? preset.TieWordEmbeddings,
            BosTokenId = tokenizer.TokenToId(TinyTokenizerFactory.EndOfText),
            EosTokenId = System.Text.Json.JsonSerializer.SerializeToElement(eos),
        };
    }

    private static int RoundUp(int value, int multiple) => (value + multiple - 1) / multiple * multiple;
}
