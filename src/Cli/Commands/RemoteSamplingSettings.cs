using System.ComponentModel;
using FineTuneMesh.Cli.Mesh;
using Spectre.Console.Cli;

namespace FineTuneMesh.Cli.Commands;

/// <summary>Sampling options for commands that can also ask the mesh instead of a local model.</summary>
public class RemoteSamplingSettings : SamplingSettings
{
    [CommandOption("--mesh [URL]"), Description("Ask the mesh's served model instead of a local one (URL default: FINETUNE_MESH_URL, else " +
        MeshClient.DefaultUrl + "); --adapter then names an adapter the mesh serves.")]
    public FlagValue<string>? Mesh { get; init; }

    public bool UsesMesh => Mesh?.IsSet == true;

    public string? MeshUrl => Mesh?.Value;
}
