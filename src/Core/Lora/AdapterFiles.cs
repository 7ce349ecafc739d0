using System.Text.Json;
using FineTuneMesh.Core.Checkpoints;
using FineTuneMesh.Core.Modeling;
using static TorchSharp.torch;

namespace FineTuneMesh.Core.Lora;

/// <summary>
/// Reads and writes adapters in PEFT's layout: <c>adapter_config.json</c> and
/// <c>adapter_model.safetensors</c> with keys like
/// <c>base_model.model.model.layers.0.self_attn.q_proj.lora_A.weight</c> (A is [r, in], B [out, r]).
/// </summary>
public static class AdapterFiles
{
    public const string WeightsFileName = "adapter_model.safetensors";
    public const string KeyPrefix = "base_model.model.";

    public static void Save(string folder, IReadOnlyDictionary<string, LoraLinear> adapters, LoraSettings settings,
        string? baseModel, string? revision)
    {
        Directory.CreateDirectory(folder);
        var tensors = new List<KeyValuePair<string, Tensor>>();
        foreach (var (path, adapter) in adapters.OrderBy(a => a.Key, StringComparer.Ordinal))
        {
            tensors.Add(new($"{KeyPrefix}{path}.lora_A.weight", adapter.LoraA.Weight));
            tensors.Add(new($"{KeyPrefix}{path}.lora_B.weight", adapter.LoraB.Weight));
        }

        SafetensorsWriter.Write(Path.Combine(folder, WeightsFileName), tensors, new Dictionary<string, string> { ["format"] = "pt" });
        File.WriteAllText(Path.Combine(folder, AdapterConfig.FileName),
            JsonSerializer.Serialize(AdapterConfig.From(settings, baseModel, revision), ModelConfig.JsonOptions));
    }

    public static AdapterConfig ReadConfig(string folder)
    {
        var path = Path.Combine(folder, AdapterConfig.FileName);
        if (!File.Exists(path))
        {
            throw new FileNotFoundException($"{path}: adapter_config.json not found; an adapter folder needs one.", path);
        }

        try
        {
            return JsonSerializer.Deserialize<AdapterConfig>(File.ReadAllText(path))
                ?? throw new InvalidDataException($"{path}: empty adapter config.");
        }
        catch (JsonException e)
        {
            throw new InvalidDataException($"{path}: not valid JSON ({e.Message}).", e);
        }
    }

    /// <summary>Wraps the model's target projections and loads the adapter's weights into them.</summary>
    public static IReadOnlyDictionary<string, LoraLinear> Load(string folder, CausalLanguageModel model)
    {
        var configPath = Path.Combine(folder, AdapterConfig.FileName);
        var settings = ReadConfig(folder).ToSettings(configPath);
        var weightsPath = Path.Combine(folder, WeightsFileName);
        using var file = SafetensorsFile.Open(weightsPath);
        var adapters = LoraApplier.Apply(model, settings);
        var expected = new HashSet<string>();
        using var noGrad = no_grad();
        foreach (var (path, adapter) in adapters)
        {
            foreach (var (suffix, weight) in new[] { ("lora_A.weight", adapter.LoraA.Weight), ("lora_B.weight", adapter.LoraB.Weight) })
            {
                var key = $"{KeyPrefix}{path}.{suffix}";
                expected.Add(key);
                if (!file.Entries.TryGetValue(key, out var entry))
                {
                    throw new InvalidDataException($"{weightsPath}: missing '{key}', which adapter_config.json's target_modules imply.");
                }

                if (!entry.Shape.SequenceEqual(weight.shape))
                {
                    throw new InvalidDataException(
                        $"{weightsPath}: '{key}' has shape [{string.Join(",", entry.Shape)}] but the base model needs [{string.Join(",", weight.shape)}]; is it an adapter for another model?");
                }

                using var scope = NewDisposeScope();
                weight.copy_(file.Read(key));
            }
        }

        var unexpected = file.Entries.Keys.Where(k => !expected.Contains(k)).ToList();
        if (unexpected.Count > 0)
        {
            throw new InvalidDataException($"{weightsPath}: {unexpected.Count} tensor(s) this adapter config does not explain, e.g. {unexpected[0]}.");
        }

        return adapters;
    }
}
