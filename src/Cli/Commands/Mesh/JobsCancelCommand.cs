using FineTuneMesh.Cli.Mesh;
using Spectre.Console.Cli;

namespace FineTuneMesh.Cli.Commands.Mesh;

/// <summary><c>jobs cancel ID</c>: a queued job stops at once, a running one within a training step.</summary>
public sealed class JobsCancelCommand : MeshCommand<JobsCancelCommand.Settings>
{
    public sealed class Settings : MeshSettings
    {
        [CommandArgument(0, "<ID>")] public string Id { get; init; } = "";
    }

    protected override async Task<int> RunAsync(MeshClient mesh, Settings settings, CancellationToken cancellationToken)
    {
        var answer = await mesh.DeleteAsync($"api/train/jobs/{Uri.EscapeDataString(settings.Id)}", cancellationToken);
        var status = answer.TryGetProperty("status", out var value) ? value.ToString() : "cancel requested";
        Console.WriteLine($"job {settings.Id}: {status}");
        return MeshExitCodes.Success;
    }
}
