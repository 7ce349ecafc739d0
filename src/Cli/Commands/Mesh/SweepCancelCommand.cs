using FineTuneMesh.Cli.Mesh;

namespace FineTuneMesh.Cli.Commands.Mesh;

/// <summary><c>sweep cancel ID</c>: cancels the sweep and every trial that has not ended.</summary>
public sealed class SweepCancelCommand : MeshCommand<SweepIdSettings>
{
    protected override async Task<int> RunAsync(MeshClient mesh, SweepIdSettings settings, CancellationToken cancellationToken)
    {
        var view = await mesh.DeleteAsync($"api/train/sweeps/{Uri.EscapeDataString(settings.Id)}", cancellationToken);
        Console.WriteLine($"sweep {settings.Id}: {view.GetProperty("status").GetString()}, cancel requested");
        return MeshExitCodes.Success;
    }
}
