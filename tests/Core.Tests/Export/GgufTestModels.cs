using FineTuneMesh.Core.Modeling;
using static TorchSharp.torch;

namespace FineTuneMesh.Core.Tests.Export;

/// <summary>Tiny model folders with a byte-level BPE tokenizer, ready for GGUF export.</summary>
public static class GgufTestModels
{
    /// <summary>Larger than the test tokenizer's 264 tokens, so the export pads with [PAD{i}] entries.</summary>
    public const int VocabSize = 272;

    public static ModelConfig Config(string type = "qwen2", bool tied = true, bool attentionBias = false) =>
        TinyModels.Config(VocabSize, tied, type) with
        {
            AttentionBias = attentionBias ? true : null,
            BosTokenId = TestTokenizerFiles.SpecialId("<|endoftext|>"),
        };

    public static string Write(TempFolder folder, ModelConfig config, double std = 0.02, ScalarType dtype = ScalarType.Float32,
        bool mergesAsPairs = false)
    {
        TinyModels.WriteWeights(folder, config, std, seed: 11, dtype);
        TestTokenizerFiles.Write(folder.Path, mergesAsPairs);
        return folder.Path;
    }

    public static int[] PromptIds(int length, int seed = 5)
    {
        var random = new Random(seed);
        return [.. Enumerable.Range(0, length).Select(_ => random.Next(0, VocabSize))];
    }
}
