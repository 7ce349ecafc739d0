namespace FineTuneMesh.Mesh.Adapters;

/// <summary>One file of an adapter version, with the size and SHA-256 it was uploaded with.</summary>
public sealed record AdapterFile(string Name, long Size, string Sha256);
