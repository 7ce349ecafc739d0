using FineTuneMesh.Core.Checkpoints;
using static TorchSharp.torch;

namespace FineTuneMesh.Core.Modeling;

/// <summary>Builds a <see cref="CausalLanguageModel"/> from a Hugging Face model folder.</summary>
public static class ModelLoader
{
    public static CausalLanguageModel Load(string folder, ScalarType dtype = ScalarType.Float32)
    {
        if (!Directory.Exists(folder))
        {
            throw new DirectoryNotFoundException($"{folder}: model folder not found.");
        }

        var config = ModelConfig.Load(Path.Combine(folder, "config.json"));
        ModelFootprint.EnsureFits(config, dtype, folder);
        using var checkpoint = CheckpointReader.Open(folder);
        var model = new CausalLanguageModel(config, CPU, dtype);
        try
        {
            // Tied checkpoints sometimes still carry a copy of lm_head; RoPE tables are recomputed.
            var ignored = new HashSet<string>(checkpoint.TensorNames.Where(n =>
                (config.TieWordEmbeddings && n == "lm_head.weight") || n.EndsWith("rotary_emb.inv_freq", StringComparison.Ordinal)));
            WeightLoader.Load(model, checkpoint, folder, ignored, model.QuantizationScales);
            model.eval();
            foreach (var parameter in model.parameters())
            {
                parameter.requires_grad = false;
            }

            return model;
        }
        catch
        {
            model.Dispose();
            throw;
        }
    }
}
