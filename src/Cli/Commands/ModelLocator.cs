using FineTuneMesh.Core.Hub;

namespace FineTuneMesh.Cli.Commands;

/// <summary>
/// Turns a --model value (or the configured base model) into a model folder on disk: a folder
/// as given, or a Hugging Face repo id already pulled into the cache.
/// </summary>
public static class ModelLocator
{
    public const string BaseModelVariable = "FINETUNE_BASE_MODEL";
    public const string BaseRevisionVariable = "FINETUNE_BASE_MODEL_REVISION";

    public static string Resolve(string? model)
    {
        var fromConfiguration = model is null;
        var name = model ?? Environment.GetEnvironmentVariable(BaseModelVariable)
            ?? throw new InvalidOperationException($"no model given: pass --model or set {BaseModelVariable} in .env.");
        if (Directory.Exists(name))
        {
            return Path.GetFullPath(name);
        }

        if (!ModelReference.TryParse(name, out var reference))
        {
            throw new DirectoryNotFoundException($"'{name}' is neither a model folder nor a Hugging Face repo id (owner/name[@revision]).");
        }

        if (fromConfiguration && !name.Contains('@') && Environment.GetEnvironmentVariable(BaseRevisionVariable) is { Length: > 0 } revision)
        {
            reference = reference! with { Revision = revision };
        }

        using var http = new HttpClient();
        return new HubClient(http).TryResolveCached(reference!.RepoId, reference.Revision)
            ?? throw new DirectoryNotFoundException(
                $"{reference} is not in the model cache; run `finetunemesh model pull {reference}` first " +
                "(or `finetunemesh model init DIR` for a tiny random model that needs no download).");
    }
}
