using FineTuneMesh.Core.Checkpoints;
using FineTuneMesh.Core.Modeling;
using static TorchSharp.torch;

namespace FineTuneMesh.Core.Tests;

/// <summary>Seeded tiny checkpoints written through the real on-disk format.</summary>
public static class TinyModels
{
    public static ModelConfig Config(int vocab = 96, bool tied = true, string type = "qwen2") =>
        ModelPresets.Tiny(vocab) with { TieWordEmbeddings = tied, ModelType = type };

    public static string WriteWeights(TempFolder folder, ModelConfig config, double std = 0.02, long seed = 7,
        ScalarType dtype = ScalarType.Float32)
    {
        RandomCheckpointWriter.Write(folder.Path, config, std, seed, dtype);
        return folder.Path;
    }
}
