using System.Text.Json.Serialization;

namespace FineTuneMesh.Core.Hub;

/// <summary>One entry of "siblings" in the Hub's revision answer; size and lfs come only with ?blobs=true.</summary>
internal sealed record RepoSibling(
    [property: JsonPropertyName("rfilename")] string? FileName,
    [property: JsonPropertyName("size")] long? Size,
    [property: JsonPropertyName("lfs")] RepoSiblingLfs? Lfs);
