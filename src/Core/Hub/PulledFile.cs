using System.Text.Json.Serialization;

namespace FineTuneMesh.Core.Hub;

/// <summary>One file of a snapshot as recorded in pull.json.</summary>
public sealed record PulledFile(
    [property: JsonPropertyName("name")] string Name,
    [property: JsonPropertyName("size")] long Size,
    [property: JsonPropertyName("sha256")] string? Sha256);
