namespace FineTuneMesh.Cli.Mesh;

/// <summary>An error from the mesh, worded as the API worded it, with the exit code it maps to.</summary>
public sealed class MeshException(string message, int exitCode, int? statusCode = null) : Exception(message)
{
    public int ExitCode { get; } = exitCode;

    /// <summary>The HTTP status, when the mesh answered.</summary>
    public int? StatusCode { get; } = statusCode;
}
