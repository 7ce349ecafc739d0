using System.Text.Json;
using FineTuneMesh.Core.Checkpoints;
using FineTuneMesh.Core.Modeling;
using static TorchSharp.torch;

namespace FineTuneMesh.Core.Training;

/// <summary>
/// A resumable checkpoint folder: the trainable (adapter) weights, the optimiser's moments, the
/// trainer state, and the best adapter so far. Written to a temporary folder and then swapped in,
/// so a process killed mid-write leaves the previous checkpoint intact.
/// </summary>
public static class TrainingCheckpoint
{
    private const string WeightsFile = "trainable.safetensors";
    private const string BestFile = "best.safetensors";
    private const string OptimizerFile = "optimizer.bin";
    private const string StateFile = "trainer_state.json";

    public static bool Exists(string folder) => File.Exists(Path.Combine(folder, StateFile));

    public static void Save(string folder, CausalLanguageModel model, TorchSharp.Modules.AdamW optimizer, TrainingState state,
        IReadOnlyDictionary<string, Tensor>? best)
    {
        var staging = folder.TrimEnd(Path.DirectorySeparatorChar) + ".partial";
        if (Directory.Exists(staging))
        {
            Directory.Delete(staging, recursive: true);
        }

        Directory.CreateDirectory(staging);
        SafetensorsWriter.Write(Path.Combine(staging, WeightsFile), Trainable(model).Select(p => KeyValuePair.Create(p.Key, (Tensor)p.Value)));
        if (best is not null)
        {
            SafetensorsWriter.Write(Path.Combine(staging, BestFile), best);
        }

        optimizer.save_state_dict(Path.Combine(staging, OptimizerFile));
        File.WriteAllText(Path.Combine(staging, StateFile), JsonSerializer.Serialize(state, ModelConfig.JsonOptions));
        if (Directory.Exists(folder))
        {
            Directory.Delete(folder, recursive: true);
        }

        Directory.Move(staging, folder);
    }

    /// <summary>Restores weights and optimiser in place; returns the state and the best snapshot, if any.</summary>
    public static (TrainingState State, Dictionary<string, Tensor>? Best) Load(string folder, CausalLanguageModel model,
        TorchSharp.Modules.AdamW optimizer)
    {
        var statePath = Path.Combine(folder, StateFile);
        TrainingState state;
        try
        {
            state = JsonSerializer.Deserialize<TrainingState>(File.ReadAllText(statePath))
                ?? throw new InvalidDataException($"{statePath}: empty trainer state.");
        }
        catch (JsonException e)
        {
            throw new InvalidDataException($"{statePath}: not valid JSON ({e.Message}).", e);
        }

        using (var weights = SafetensorsFile.Open(Path.Combine(folder, WeightsFile)))
        using (no_grad())
        {
            foreach (var (name, parameter) in Trainable(model))
            {
                if (!weights.Entries.ContainsKey(name))
                {
                    throw new InvalidDataException($"{weights.Path}: no '{name}'; the checkpoint is from another adapter layout.");
                }

                using var scope = NewDisposeScope();
                parameter.copy_(weights.Read(name));
            }
        }

        optimizer.load_state_dict(Path.Combine(folder, OptimizerFile));
        Dictionary<string, Tensor>? best = null;
        var bestPath = Path.Combine(folder, BestFile);
        if (File.Exists(bestPath))
        {
            using var file = SafetensorsFile.Open(bestPath);
            best = file.Entries.Keys.ToDictionary(k => k, k => file.Read(k).DetachFromDisposeScope());
        }

        return (state, best);
    }

    /// <summary>The parameters being trained, by name, in a stable order.</summary>
    public static List<KeyValuePair<string, TorchSharp.Modules.Parameter>> Trainable(CausalLanguageModel model) =>
        [.. model.named_parameters().Where(p => p.parameter.requires_grad).Select(p => KeyValuePair.Create(p.name, p.parameter))];
}
