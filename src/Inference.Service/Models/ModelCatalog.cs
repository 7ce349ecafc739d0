namespace FineTuneMesh.Inference.Service.Models;

/// <summary>
/// The model names clients see (OpenAI's <c>model</c> field): the base model's id and every usable
/// adapter's folder name. The base id is FINETUNE_BASE_MODEL as configured (a repo id such as
/// <c>Qwen/Qwen2.5-0.5B-Instruct</c>), or the folder's name when that setting is a path.
/// </summary>
public sealed class ModelCatalog(ModelHost host, AdapterRegistry adapters)
{
    public string BaseModelId
    {
        get
        {
            var requested = host.Info?.Requested;
            if (string.IsNullOrEmpty(requested))
            {
                return Path.GetFileName(host.Model.Folder.TrimEnd(Path.DirectorySeparatorChar));
            }

            return Path.IsPathRooted(requested) || requested.StartsWith('.')
                ? Path.GetFileName(requested.TrimEnd(Path.DirectorySeparatorChar))
                : requested;
        }
    }

    /// <summary>The base model first, then each adapter that can be loaded (local and in object storage).</summary>
    public async Task<IReadOnlyList<string>> ListAsync(CancellationToken cancellationToken) =>
        [BaseModelId, .. (await adapters.ListAllAsync(cancellationToken)).Where(a => a.Error is null).Select(a => a.Name)];

    /// <summary>Null for the base model, else the adapter's name.</summary>
    /// <exception cref="AdapterNotFoundException">Neither the base model nor an adapter has that name.</exception>
    public string? AdapterFor(string model)
    {
        if (model == BaseModelId || model == host.Info?.Requested)
        {
            return null;
        }

        try
        {
            adapters.Validate(model);
            return model;
        }
        catch (ArgumentException)
        {
            throw new AdapterNotFoundException($"The model '{model}' does not exist: this server has '{BaseModelId}' and its adapters (GET /v1/models lists them).");
        }
        catch (AdapterNotFoundException)
        {
            throw new AdapterNotFoundException($"The model '{model}' does not exist: this server has '{BaseModelId}' and its adapters (GET /v1/models lists them).");
        }
    }
}
