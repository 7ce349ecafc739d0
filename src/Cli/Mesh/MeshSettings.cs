using System.ComponentModel;
using Spectre.Console.Cli;

namespace FineTuneMesh.Cli.Mesh;

/// <summary>The option every mesh command takes: which gateway to talk to.</summary>
public class MeshSettings : CommandSettings
{
    [CommandOption("--mesh <URL>"), Description("The mesh's gateway (default: FINETUNE_MESH_URL, else http://localhost:5200). The API key comes from FINETUNE_API_KEY.")]
    public string? Mesh { get; init; }
}
