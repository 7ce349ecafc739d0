using FineTuneMesh.Cli.Mesh;
using Spectre.Console.Cli;

namespace FineTuneMesh.Cli.Commands.Mesh;

/// <summary>The settings of the sweep commands that name one sweep.</summary>
public sealed class SweepIdSettings : MeshSettings
{
    [CommandArgument(0, "<ID>")] public string Id { get; init; } = "";
}
