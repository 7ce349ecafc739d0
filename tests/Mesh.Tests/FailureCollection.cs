namespace FineTuneMesh.Mesh.Tests;

/// <summary>Tests that kill trainer workers get a mesh of their own, so other tests keep their workers.</summary>
[CollectionDefinition(Name)]
public sealed class FailureCollection : ICollectionFixture<FailureMeshApp>
{
    public const string Name = "mesh-failures";
}
