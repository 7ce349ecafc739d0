using System.Text.Json;

namespace FineTuneMesh.Core.Hub;

/// <summary>
/// What an adapter records as its base: the Hugging Face repo and commit when the folder is a
/// pulled snapshot (its pull.json says so), otherwise the folder itself with no revision.
/// </summary>
public sealed record ModelProvenance(string NameOrPath, string? Revision)
{
    public static ModelProvenance Of(string folder)
    {
        var manifest = Path.Combine(folder, PullManifest.FileName);
        if (File.Exists(manifest))
        {
            try
            {
                var pulled = JsonSerializer.Deserialize<PullManifest>(File.ReadAllText(manifest));
                if (pulled is not null)
                {
                    return new ModelProvenance(pulled.Repo, pulled.Sha);
                }
            }
            catch (JsonException)
            {
                // A damaged manifest only loses the provenance; the weights were checked on load.
            }
        }

        return new ModelProvenance(Path.GetFullPath(folder), null);
    }
}
