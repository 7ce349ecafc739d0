using System.Globalization;
using FineTuneMesh.Cli.Mesh;
using FineTuneMesh.Mesh.Adapters;
using Spectre.Console;

namespace FineTuneMesh.Cli.Commands.Mesh;

/// <summary><c>adapters list</c>: every adapter in the mesh with its newest version and how it scored.</summary>
public sealed class AdaptersListCommand : MeshCommand<MeshSettings>
{
    private sealed record AdapterList(IReadOnlyList<AdapterManifest> Adapters);

    protected override async Task<int> RunAsync(MeshClient mesh, MeshSettings settings, CancellationToken cancellationToken)
    {
        var list = await mesh.GetAsync<AdapterList>("api/train/adapters", cancellationToken);
        var table = new Table().AddColumns("adapter", "version", "base model", "final loss", "eval loss", "adherence", "created");
        foreach (var adapter in list.Adapters)
        {
            table.AddRow(
                Markup.Escape(adapter.Name),
                $"v{adapter.Version}",
                Markup.Escape(adapter.BaseModel),
                adapter.Metrics.FinalLoss.ToString("F4", CultureInfo.InvariantCulture),
                adapter.Metrics.BestEvalLoss?.ToString("F4", CultureInfo.InvariantCulture) ?? "",
                adapter.Evaluation is { } e ? $"{e.Adherent}/{e.Count}" : "",
                adapter.CreatedAt.ToLocalTime().ToString("yyyy-MM-dd HH:mm", CultureInfo.InvariantCulture));
        }

        AnsiConsole.Write(table);
        return MeshExitCodes.Success;
    }
}
