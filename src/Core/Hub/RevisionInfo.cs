using System.Text.Json.Serialization;

namespace FineTuneMesh.Core.Hub;

/// <summary>The part of GET /api/models/{repo}/revision/{revision} that a pull needs.</summary>
internal sealed record RevisionInfo(
    [property: JsonPropertyName("sha")] string? Sha,
    [property: JsonPropertyName("siblings")] IReadOnlyList<RepoSibling>? Siblings);
