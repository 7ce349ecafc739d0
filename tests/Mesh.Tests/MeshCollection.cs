namespace FineTuneMesh.Mesh.Tests;

/// <summary>
/// One collection for every class that starts the mesh, so that two meshes never run at once
/// (they would fight over two cores and the gateway's port).
/// </summary>
[CollectionDefinition(Name)]
public sealed class MeshCollection : ICollectionFixture<MeshApp>
{
    public const string Name = "mesh";
}
