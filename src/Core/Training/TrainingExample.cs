namespace FineTuneMesh.Core.Training;

/// <summary>One tokenized example: the prompt (not supervised) and the completion (supervised,
/// including the end marker, so the model learns to stop).</summary>
public sealed record TrainingExample(IReadOnlyList<int> PromptIds, IReadOnlyList<int> CompletionIds)
{
    public int Length => PromptIds.Count + CompletionIds.Count;
}
