using FineTuneMesh.Core.Modeling;
using static TorchSharp.torch;

namespace FineTuneMesh.Core.Checkpoints;

/// <summary>
/// Writes a seeded random checkpoint in the real Hugging Face layout (config.json and
/// model.safetensors), for tests and benchmarks where no real weights can be downloaded.
/// </summary>
public static class RandomCheckpointWriter
{
    public static void Write(string folder, ModelConfig config, double std, long seed, ScalarType dtype)
    {
        config.Validate("model init");
        Directory.CreateDirectory(folder);
        var stored = config with { TorchDtype = DTypeNames.ToConfigName(dtype) };
        stored.Save(Path.Combine(folder, "config.json"));

        using var scope = NewDisposeScope();
        var generator = new TorchSharp.torch.Generator((ulong)seed);
        // Built on the meta device: the parameters are only used for their names and shapes,
        // so the full-size preset costs no memory before its tensors are drawn one by one.
        using var model = new CausalLanguageModel(config, META);
        var tensors = new List<KeyValuePair<string, Tensor>>();
        foreach (var (name, parameter) in model.named_parameters())
        {
            var values = normal(0.0, std, parameter.shape, ScalarType.Float32, generator: generator);
            if (name.EndsWith("layernorm.weight", StringComparison.Ordinal) || name.EndsWith("norm.weight", StringComparison.Ordinal))
            {
                // Norm weights centre on one, as trained ones do, but vary so that a wrong norm shows.
                values = values.add_(1.0);
            }

            tensors.Add(new(name, values.to(dtype)));
        }

        SafetensorsWriter.Write(Path.Combine(folder, CheckpointReader.SingleFileName), tensors,
            new Dictionary<string, string> { ["format"] = "pt" });
    }
}
