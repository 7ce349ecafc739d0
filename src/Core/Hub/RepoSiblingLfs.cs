using System.Text.Json.Serialization;

namespace FineTuneMesh.Core.Hub;

/// <summary>The LFS pointer of a large file: its content hash and size.</summary>
internal sealed record RepoSiblingLfs(
    [property: JsonPropertyName("sha256")] string? Sha256,
    [property: JsonPropertyName("size")] long? Size);
