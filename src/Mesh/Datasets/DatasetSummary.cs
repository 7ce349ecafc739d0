namespace FineTuneMesh.Mesh.Datasets;

/// <summary>A named dataset and its versions, oldest first.</summary>
public sealed record DatasetSummary(string Name, IReadOnlyList<DatasetVersion> Versions);
