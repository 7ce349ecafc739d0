namespace FineTuneMesh.Mesh.Sweeps;

/// <summary>
/// What a sweep varies: training settings (learning rate, epochs, LoRA rank and alpha, targets,
/// max sequence length) and the generation settings its evaluation uses (max tokens, temperature,
/// stop strings). A setting left out keeps the sweep's base value in every trial.
/// </summary>
public sealed record SweepSpace
{
    public SweepDimension? LearningRate { get; init; }
    public SweepDimension? Epochs { get; init; }
    public SweepDimension? Rank { get; init; }
    public SweepDimension? Alpha { get; init; }
    public IReadOnlyList<IReadOnlyList<string>>? Targets { get; init; }
    public SweepDimension? MaxSequenceLength { get; init; }
    public SweepDimension? MaxTokens { get; init; }
    public SweepDimension? Temperature { get; init; }
    public IReadOnlyList<IReadOnlyList<string>>? StopStrings { get; init; }
}
