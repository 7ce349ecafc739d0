using System.Text.Json;
using System.Text.Json.Nodes;
using FineTuneMesh.Core.Modeling;
using static TorchSharp.torch;

namespace FineTuneMesh.Core.Checkpoints;

/// <summary>
/// Writes a loaded model back as Hugging Face weights: <c>config.json</c> and one
/// <c>model.safetensors</c> whose tensor names are the model's parameter names, which equal the
/// checkpoint's (no <c>lm_head</c> when the embeddings are tied). q/k/v and gate/up weights live as
/// views into fused buffers; each is written as its own contiguous tensor.
/// </summary>
public static class CheckpointWriter
{
    /// <param name="folder">the output folder (created if needed)</param>
    /// <param name="model">a model without LoRA wrappers (merge them first)</param>
    /// <param name="dtype">the stored dtype of the weights; the model's dtype when null</param>
    /// <param name="sourceConfigPath">a config.json whose other fields (those this engine does not read) are kept</param>
    public static void Write(string folder, CausalLanguageModel model, ScalarType? dtype = null, string? sourceConfigPath = null)
    {
        var stored = dtype ?? model.DType;
        if (stored == ScalarType.Int8 || model.DType == ScalarType.Int8)
        {
            throw new NotSupportedException("q8_0 is quantized at load and not written as a checkpoint: load the model in fp32 or bf16 to write one.");
        }

        var named = model.named_parameters().ToList();
        var adapter = named.FirstOrDefault(p => p.name.Contains(".lora_", StringComparison.Ordinal) || p.name.Contains(".base_layer.", StringComparison.Ordinal));
        if (adapter.name is not null)
        {
            throw new InvalidOperationException($"the model still carries LoRA wrappers ('{adapter.name}'); merge them before writing a checkpoint.");
        }

        Directory.CreateDirectory(folder);
        WriteConfig(Path.Combine(folder, "config.json"), model.Config with { TorchDtype = DTypeNames.ToConfigName(stored) }, sourceConfigPath);

        using var scope = NewDisposeScope();
        using var noGrad = no_grad();
        // clone(): a fused part is a view whose storage holds its siblings too; each tensor gets its own.
        var tensors = named.Select(p => new KeyValuePair<string, Tensor>(p.name, p.parameter.detach().to(stored).clone())).ToList();
        var path = Path.Combine(folder, CheckpointReader.SingleFileName);
        var partial = path + ".partial";
        try
        {
            SafetensorsWriter.Write(partial, tensors, new Dictionary<string, string> { ["format"] = "pt" });
            File.Move(partial, path, overwrite: true);
        }
        catch
        {
            File.Delete(partial);
            throw;
        }
    }

    private static void WriteConfig(string path, ModelConfig config, string? sourceConfigPath)
    {
        var written = JsonSerializer.SerializeToNode(config, ModelConfig.JsonOptions)!.AsObject();
        if (sourceConfigPath is null || !File.Exists(sourceConfigPath))
        {
            File.WriteAllText(path, written.ToJsonString(ModelConfig.JsonOptions));
            return;
        }

        var merged = JsonNode.Parse(File.ReadAllText(sourceConfigPath))?.AsObject()
            ?? throw new InvalidDataException($"{sourceConfigPath}: empty config.");
        foreach (var (key, value) in written)
        {
            merged[key] = value?.DeepClone();
        }

        File.WriteAllText(path, merged.ToJsonString(ModelConfig.JsonOptions));
    }
}
