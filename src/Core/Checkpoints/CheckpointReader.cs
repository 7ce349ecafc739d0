using System.Text.Json;
using static TorchSharp.torch;

namespace FineTuneMesh.Core.Checkpoints;

/// <summary>
/// The weights of a model folder: a single <c>model.safetensors</c>, or the shards listed in
/// <c>model.safetensors.index.json</c>. Maps each tensor name to the file that holds it.
/// </summary>
public sealed class CheckpointReader : IDisposable
{
    public const string SingleFileName = "model.safetensors";
    public const string IndexFileName = "model.safetensors.index.json";

    private readonly Dictionary<string, SafetensorsFile> _fileByTensor;
    private readonly List<SafetensorsFile> _files;

    private CheckpointReader(List<SafetensorsFile> files, Dictionary<string, SafetensorsFile> fileByTensor)
    {
        _files = files;
        _fileByTensor = fileByTensor;
    }

    public IReadOnlyCollection<string> TensorNames => _fileByTensor.Keys;

    public static CheckpointReader Open(string folder)
    {
        var single = Path.Combine(folder, SingleFileName);
        var index = Path.Combine(folder, IndexFileName);
        if (File.Exists(index))
        {
            return OpenSharded(folder, index);
        }

        if (!File.Exists(single))
        {
            throw new FileNotFoundException(
                $"{folder}: no weights found; expected {SingleFileName} or {IndexFileName}.", single);
        }

        var file = SafetensorsFile.Open(single);
        return new CheckpointReader([file], file.Entries.Keys.ToDictionary(k => k, _ => file));
    }

    private static CheckpointReader OpenSharded(string folder, string indexPath)
    {
        Dictionary<string, string> weightMap;
        try
        {
            using var document = JsonDocument.Parse(File.ReadAllText(indexPath));
            weightMap = document.RootElement.GetProperty("weight_map").EnumerateObject()
                .ToDictionary(p => p.Name, p => p.Value.GetString() ?? "");
        }
        catch (Exception e) when (e is JsonException or KeyNotFoundException or InvalidOperationException)
        {
            throw new InvalidDataException($"{indexPath}: not a valid safetensors index ({e.Message}).", e);
        }

        var files = new List<SafetensorsFile>();
        var byName = new Dictionary<string, SafetensorsFile>();
        try
        {
            foreach (var shardName in weightMap.Values.Distinct())
            {
                if (shardName.Contains('/') || shardName.Contains('\\') || shardName.Contains(".."))
                {
                    throw new InvalidDataException($"{indexPath}: shard name '{shardName}' must be a plain file name.");
                }

                files.Add(SafetensorsFile.Open(Path.Combine(folder, shardName)));
            }

            foreach (var (tensor, shardName) in weightMap)
            {
                var file = files.First(f => Path.GetFileName(f.Path) == shardName);
                if (!file.Entries.ContainsKey(tensor))
                {
                    throw new InvalidDataException($"{indexPath}: maps '{tensor}' to {shardName}, which does not contain it.");
                }

                byName[tensor] = file;
            }
        }
        catch
        {
            files.ForEach(f => f.Dispose());
            throw;
        }

        return new CheckpointReader(files, byName);
    }

    public bool Contains(string name) => _fileByTensor.ContainsKey(name);

    public SafetensorsEntry Entry(string name) => _fileByTensor[name].Entries[name];

    public string FileOf(string name) => _fileByTensor[name].Path;

    public void ReadInto(string name, Tensor destination) => (_fileByTensor.TryGetValue(name, out var file)
        ? file
        : throw new KeyNotFoundException($"no tensor named '{name}' in the checkpoint.")).ReadInto(name, destination);

    /// <summary>Rows [start, start + count) of a tensor, as stored.</summary>
    public Tensor ReadRows(string name, long start, long count) => (_fileByTensor.TryGetValue(name, out var file)
        ? file
        : throw new KeyNotFoundException($"no tensor named '{name}' in the checkpoint.")).ReadRows(name, start, count);

    public Tensor Read(string name) => _fileByTensor.TryGetValue(name, out var file)
        ? file.Read(name)
        : throw new KeyNotFoundException($"no tensor named '{name}' in the checkpoint.");

    public void Dispose() => _files.ForEach(f => f.Dispose());
}
