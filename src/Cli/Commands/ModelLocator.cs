namespace FineTuneMesh.Cli.Commands;

/// <summary>Turns a --model value (or the configured base model) into a model folder on disk.</summary>
public static class ModelLocator
{
    public const string BaseModelVariable = "FINETUNE_BASE_MODEL";

    public static string Resolve(string? model)
    {
        var name = model ?? Environment.GetEnvironmentVariable(BaseModelVariable)
            ?? throw new InvalidOperationException($"no model given: pass --model or set {BaseModelVariable} in .env.");
        if (Directory.Exists(name))
        {
            return Path.GetFullPath(name);
        }

        throw new DirectoryNotFoundException(
            $"'{name}' is not a model folder here; run `finetunemesh model pull {name}` first, or `finetunemesh model init DIR` for a tiny random one.");
    }
}
