namespace FineTuneMesh.Mesh.Adapters;

/// <summary>
/// A named pointer to one version of an adapter (<c>support-bot:production</c> → v3): moved to
/// promote or roll back, read by every inference replica at the start of each request.
/// <see cref="PreviousVersion"/> is where it pointed before its last move.
/// </summary>
public sealed record AdapterAlias(string Name, string Alias, int Version, int? PreviousVersion, DateTimeOffset MovedAt);
