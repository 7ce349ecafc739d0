using System.Text.Json.Nodes;
using FineTuneMesh.Core;
using FineTuneMesh.Core.Checkpoints;
using FineTuneMesh.Core.Lora;
using FineTuneMesh.Core.Modeling;
using static TorchSharp.torch;

namespace FineTuneMesh.Inference.Service.Tests;

/// <summary>
/// One tiny model folder, an adapters root holding one trained-looking adapter ("tuned"), the
/// service serving them, and the same model loaded in-process as the reference. The model has no
/// end-of-sequence token, so greedy generation always runs to max_tokens: the cancellation,
/// deadline and saturation tests need generations that last.
/// </summary>
public sealed class TinyModelFixture : IDisposable
{
    public const string AdapterName = "tuned";
    public const string OtherAdapterName = "other";

    private readonly TempFolder _folder = new();

    public TinyModelFixture()
    {
        ModelFolder = _folder.Sub("model");
        AdaptersRoot = _folder.Sub("adapters");
        ModelFolderInitializer.Write(ModelFolder, new ModelFolderInitializer.Options { Std = 0.2, Seed = 11 });
        RemoveEndOfSequence(ModelFolder);
        WriteAdapter(ModelFolder, Path.Combine(AdaptersRoot, AdapterName), new LoraSettings { Rank = 4, Alpha = 8, TargetModules = ["all-linear"] });
        WriteAdapter(ModelFolder, Path.Combine(AdaptersRoot, OtherAdapterName), new LoraSettings { Rank = 2, Alpha = 4, TargetModules = ["q_proj", "v_proj"] });
        Directory.CreateDirectory(Path.Combine(AdaptersRoot, "broken"));
        Reference = LanguageModel.Load(ModelFolder);
        Server = new InferenceServer(ModelFolder, new Dictionary<string, string?>
        {
            ["Inference:AdaptersRoot"] = AdaptersRoot,
            ["Inference:MaxConcurrentGenerations"] = "4",
        });
    }

    public string ModelFolder { get; }

    public string AdaptersRoot { get; }

    public LanguageModel Reference { get; }

    public InferenceServer Server { get; }

    public void Dispose()
    {
        Server.Dispose();
        Reference.Dispose();
        _folder.Dispose();
    }

    private static void RemoveEndOfSequence(string folder)
    {
        foreach (var (file, key) in new[] { ("config.json", "eos_token_id"), ("generation_config.json", "eos_token_id"), ("tokenizer_config.json", "eos_token") })
        {
            var path = Path.Combine(folder, file);
            var json = JsonNode.Parse(File.ReadAllText(path))!.AsObject();
            json.Remove(key);
            File.WriteAllText(path, json.ToJsonString());
        }
    }

    /// <summary>LoRA with B drawn at random, as if trained, saved in PEFT's layout.</summary>
    private static void WriteAdapter(string modelFolder, string adapterFolder, LoraSettings settings)
    {
        using var network = ModelLoader.Load(modelFolder);
        var adapters = LoraApplier.Apply(network, settings, seed: 3);
        using (no_grad())
        {
            foreach (var adapter in adapters.Values)
            {
                adapter.LoraB.Weight.normal_(0, 0.5);
            }
        }

        AdapterFiles.Save(adapterFolder, adapters, settings, null, null);
    }
}
