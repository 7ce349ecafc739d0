namespace FineTuneMesh.Mesh.Datasets;

/// <summary>
/// One stored version of a named dataset: <see cref="Key"/> is what a training job names
/// (<c>{"dataset": {"key": ...}}</c>); versions are immutable once written.
/// </summary>
public sealed record DatasetVersion(string Name, int Version, string Key, int Records, long Bytes, string Sha256, DateTimeOffset CreatedAt);
