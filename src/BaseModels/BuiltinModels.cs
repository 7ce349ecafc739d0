using FineTuneMesh.Core.Checkpoints;

namespace FineTuneMesh.BaseModels;

/// <summary>
/// The tiny model built into the mesh: random weights and a real byte-level BPE tokenizer, made
/// from a fixed seed, so every service on every machine makes the same one and an adapter trained
/// on it by one worker loads in any inference replica. It is what runs when no real base model can
/// be had (offline, nothing cached), and what tests train on.
/// </summary>
public static class BuiltinModels
{
    public const string Tiny = "builtin/tiny";

    /// <summary>Bump when the initializer's output changes, so stale copies are not reused.</summary>
    private const string TinyFolderName = "tiny-v1";

    public static bool IsBuiltin(string? name) => string.Equals(name, Tiny, StringComparison.OrdinalIgnoreCase);

    /// <summary>The tiny model's folder under <paramref name="cacheRoot"/>, written on first use (atomically: two processes may race).</summary>
    public static string EnsureTiny(string cacheRoot)
    {
        var folder = Path.Combine(cacheRoot, "builtin", TinyFolderName);
        if (File.Exists(Path.Combine(folder, "config.json")))
        {
            return folder;
        }

        var staging = folder + ".tmp-" + Guid.NewGuid().ToString("N");
        ModelFolderInitializer.Write(staging, new ModelFolderInitializer.Options { Std = 0.2, Seed = 42 });
        try
        {
            Directory.Move(staging, folder);
        }
        catch (IOException) when (File.Exists(Path.Combine(folder, "config.json")))
        {
            Directory.Delete(staging, recursive: true);
        }

        return folder;
    }
}
