namespace FineTuneMesh.AppHost.Infrastructure;

/// <summary>
/// The broker and the object store as the services see them: a connection string each
/// (<c>messaging</c>, <c>storage</c>), and the resources to wait for before starting.
/// </summary>
public sealed record MeshInfrastructure(
    IResourceBuilder<IResourceWithConnectionString> Messaging,
    IResourceBuilder<IResourceWithConnectionString> Storage,
    IReadOnlyList<IResourceBuilder<IResource>> Servers,
    InfrastructureMode Mode);
