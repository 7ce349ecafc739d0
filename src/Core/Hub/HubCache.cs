using System.Text.Json;

namespace FineTuneMesh.Core.Hub;

/// <summary>
/// The on-disk layout: {root}/{owner}--{name}/refs/{revision} holds a commit sha, and
/// {root}/{owner}--{name}/snapshots/{sha}/ is a model folder whose pull.json marks it complete.
/// Small files are written to a temporary name and renamed, so readers never see half a file.
/// </summary>
internal sealed class HubCache(string root)
{
    private static readonly JsonSerializerOptions _json = new() { WriteIndented = true };

    public string Root { get; } = root;

    public string RepoFolder(string owner, string name) => Path.Combine(Root, $"{owner}--{name}");

    public string SnapshotFolder(string owner, string name, string sha) => Path.Combine(RepoFolder(owner, name), "snapshots", sha);

    public string RefFile(string owner, string name, string revision) => Path.Combine(RepoFolder(owner, name), "refs", revision);

    public string? ReadRef(string owner, string name, string revision)
    {
        var path = RefFile(owner, name, revision);
        try
        {
            var sha = File.Exists(path) ? File.ReadAllText(path).Trim() : null;
            return sha is not null && HubNames.IsCommitSha(sha) ? sha.ToLowerInvariant() : null;
        }
        catch (IOException)
        {
            return null;
        }
    }

    public void WriteRef(string owner, string name, string revision, string sha) =>
        WriteAtomically(RefFile(owner, name, revision), sha);

    /// <summary>The manifest of a snapshot whose every recorded file is present with its recorded size; otherwise null.</summary>
    public static PullManifest? ReadCompleteManifest(string snapshotFolder)
    {
        var path = Path.Combine(snapshotFolder, PullManifest.FileName);
        if (!File.Exists(path))
        {
            return null;
        }

        try
        {
            var manifest = JsonSerializer.Deserialize<PullManifest>(File.ReadAllText(path), _json);
            if (manifest?.Files is null)
            {
                return null;
            }

            foreach (var file in manifest.Files)
            {
                var full = SafeCombine(snapshotFolder, file.Name);
                if (!File.Exists(full) || new FileInfo(full).Length != file.Size)
                {
                    return null;
                }
            }

            return manifest;
        }
        catch (Exception e) when (e is JsonException or IOException or HubException)
        {
            return null;
        }
    }

    public static void WriteManifest(string snapshotFolder, PullManifest manifest) =>
        WriteAtomically(Path.Combine(snapshotFolder, PullManifest.FileName), JsonSerializer.Serialize(manifest, _json));

    /// <summary>Joins a checked relative name to a folder and proves the result is still inside it.</summary>
    public static string SafeCombine(string folder, string relative)
    {
        var root = Path.GetFullPath(folder);
        var full = Path.GetFullPath(Path.Combine(root, relative));
        if (!full.StartsWith(Path.TrimEndingDirectorySeparator(root) + Path.DirectorySeparatorChar, StringComparison.Ordinal))
        {
            throw new HubException(HubErrorKind.InvalidName, $"'{relative}' would land outside {root}; refusing to write it.");
        }

        return full;
    }

    private static void WriteAtomically(string path, string text)
    {
        Directory.CreateDirectory(Path.GetDirectoryName(path)!);
        var temporary = $"{path}.{Guid.NewGuid():N}.tmp";
        File.WriteAllText(temporary, text);
        File.Move(temporary, path, overwrite: true);
    }
}
