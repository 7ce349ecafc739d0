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
        var name = model ?? Environment.GetEnvironmentVariable(BaseModelVariable)
            ?? throw new InvalidOperationException($"no model given: pass --model or set {BaseModelVariable} in .env.");
        // The configured revision applies to the configured model only, not to a --model given by hand.
        var revision = model is null ? Environment.GetEnvironmentVariable(BaseRevisionVariable) : null;
        var (folder, problem) = LocalModels.Resolve(name, revision);
        return folder ?? throw new DirectoryNotFoundException(
            $"{problem}; or `finetunemesh model init DIR` makes a tiny random model that needs no download.");
    }
}
