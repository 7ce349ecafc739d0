using System.Text.Json.Serialization;

namespace FineTuneMesh.Core.Hub;

/// <summary>
/// pull.json, written into a snapshot folder after every file is in place: it is both the record of
/// what was pulled and the marker that the snapshot is complete.
/// </summary>
public sealed record PullManifest(
    [property: JsonPropertyName("repo")] string Repo,
    [property: JsonPropertyName("revision")] string Revision,
    [property: JsonPropertyName("sha")] string Sha,
    [property: JsonPropertyName("endpoint")] string Endpoint,
    [property: JsonPropertyName("files")] IReadOnlyList<PulledFile> Files,
    [property: JsonPropertyName("totalBytes")] long TotalBytes,
    [property: JsonPropertyName("pulledAt")] DateTimeOffset PulledAt)
{
    public const string FileName = "pull.json";
}
