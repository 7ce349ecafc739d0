namespace FineTuneMesh.Core.Hub;

/// <summary>
/// Finds a model on this machine without downloading: a folder as given, or a Hugging Face repo
/// id (owner/name[@revision]) already pulled into the cache. The CLI and the services resolve
/// <c>FINETUNE_BASE_MODEL</c> through this one place.
/// </summary>
public static class LocalModels
{
    /// <param name="requested">a folder, or owner/name[@revision]</param>
    /// <param name="defaultRevision">the revision when <paramref name="requested"/> names none</param>
    /// <param name="cacheRoot">the model cache; null for the default (FINETUNE_MODEL_CACHE or ~/.cache)</param>
    /// <returns>the folder, or null and what is missing</returns>
    public static (string? Folder, string? Problem) Resolve(string requested, string? defaultRevision = null, string? cacheRoot = null)
    {
        if (Directory.Exists(requested))
        {
            return (Path.GetFullPath(requested), null);
        }

        if (ModelReference.IsLocalFolder(requested) || !ModelReference.TryParse(requested, out var reference))
        {
            return (null, $"'{requested}' is neither a model folder nor a Hugging Face repo id (owner/name[@revision])");
        }

        if (!requested.Contains('@') && defaultRevision is { Length: > 0 })
        {
            reference = reference! with { Revision = defaultRevision };
        }

        using var http = new HttpClient();
        var cached = new HubClient(http, cacheRoot: cacheRoot).TryResolveCached(reference!.RepoId, reference.Revision);
        return cached is not null
            ? (cached, null)
            : (null, $"'{requested}' is not a folder and {reference} is not in the model cache (run `finetunemesh model pull {reference}`)");
    }
}
