namespace FineTuneMesh.Mesh.Tests;

/// <summary>A mesh with a spare worker, for tests that kill workers on purpose.</summary>
public sealed class FailureMeshApp : MeshApp
{
    protected override int TrainerReplicas => 3;
}
