namespace FineTuneMesh.Mesh.Adapters;

/// <summary>A published adapter version: its name, version number and the SHA-256 of its weights.</summary>
public sealed record AdapterVersionRef(string Name, int Version, string WeightsSha256);
