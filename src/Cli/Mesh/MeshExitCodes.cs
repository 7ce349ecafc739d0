namespace FineTuneMesh.Cli.Mesh;

/// <summary>
/// What a mesh command's exit code says, so scripts can tell failures apart: the work itself
/// failed, the mesh refused the request (bad input, unknown name, no key), or the mesh could not
/// be reached or broke.
/// </summary>
public static class MeshExitCodes
{
    public const int Success = 0;

    /// <summary>The request was taken but the work failed or was cancelled (a job, a synthesis run).</summary>
    public const int WorkFailed = 1;

    /// <summary>The mesh refused the request: a 4xx, with the API's own message.</summary>
    public const int Refused = 2;

    /// <summary>The mesh did not answer, or answered with a 5xx.</summary>
    public const int Unavailable = 3;
}
