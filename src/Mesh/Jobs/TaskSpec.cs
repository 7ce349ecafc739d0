namespace FineTuneMesh.Mesh.Jobs;

/// <summary>
/// One task of a multi-task job: a stored dataset, its own template (or none, for prompt/completion
/// and chat records), and its weight in the mix (1: every record once per epoch; 2: twice as many
/// draws; 0.5: half).
/// </summary>
public sealed record TaskSpec
{
    public const double MaxWeight = 100;

    public string Name { get; init; } = "";
    public DatasetSource Dataset { get; init; } = new();
    public string? Template { get; init; }
    public double Weight { get; init; } = 1;
}
