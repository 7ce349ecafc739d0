using System.Text.Json;

namespace FineTuneMesh.Mesh.Jobs;

/// <summary>
/// Where a job's training data is: an object <see cref="Key"/> in the datasets bucket, or inline
/// <see cref="Records"/> (stored as an object at submission, so workers always read storage).
/// </summary>
public sealed record DatasetSource
{
    public string? Key { get; init; }
    public IReadOnlyList<JsonElement>? Records { get; init; }
}
