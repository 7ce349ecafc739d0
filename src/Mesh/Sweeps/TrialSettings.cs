namespace FineTuneMesh.Mesh.Sweeps;

/// <summary>The settings one trial takes from the search space; those left null are the sweep's base values.</summary>
public sealed record TrialSettings
{
    public double? LearningRate { get; init; }
    public int? Epochs { get; init; }
    public int? Rank { get; init; }
    public double? Alpha { get; init; }
    public IReadOnlyList<string>? Targets { get; init; }
    public int? MaxSequenceLength { get; init; }
    public int? MaxTokens { get; init; }
    public double? Temperature { get; init; }
    public IReadOnlyList<string>? StopStrings { get; init; }
}
