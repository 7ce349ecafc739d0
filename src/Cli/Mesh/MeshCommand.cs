using Spectre.Console.Cli;

namespace FineTuneMesh.Cli.Mesh;

/// <summary>A command that only talks to the mesh (<see cref="MeshCalls"/> turns its errors into exit codes).</summary>
public abstract class MeshCommand<TSettings> : AsyncCommand<TSettings>
    where TSettings : MeshSettings
{
    public sealed override Task<int> ExecuteAsync(CommandContext context, TSettings settings, CancellationToken cancellationToken) =>
        MeshCalls.RunAsync(settings.Mesh, mesh => RunAsync(mesh, settings, cancellationToken));

    protected abstract Task<int> RunAsync(MeshClient mesh, TSettings settings, CancellationToken cancellationToken);
}
