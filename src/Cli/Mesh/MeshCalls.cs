namespace FineTuneMesh.Cli.Mesh;

/// <summary>
/// Runs a piece of CLI work against the mesh: the mesh's errors are printed as the API worded them
/// (on standard error) and end the command with their exit code, never as a stack trace.
/// </summary>
public static class MeshCalls
{
    public static async Task<int> RunAsync(string? url, Func<MeshClient, Task<int>> work)
    {
        try
        {
            using var mesh = new MeshClient(url);
            return await work(mesh);
        }
        catch (MeshException e)
        {
            Console.Out.Flush();
            Console.Error.WriteLine($"error: {e.Message}");
            return e.ExitCode;
        }
    }
}
