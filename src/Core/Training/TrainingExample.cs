namespace FineTuneMesh.Core.Training;

/// <summary>One tokenized example: the prompt (not supervised) and the completion (supervised,
/// including the end marker, so the model learns to stop).</summary>
public sealed record TrainingExample(IReadOnlyList<int> PromptIds, IReadOnlyList<int> CompletionIds)
{
    public int Length => PromptIds.Count + CompletionIds.Count;

    /// <summary>Fails fast on an example that would teach nothing or lose its end marker.</summary>
    public TrainingExample EnsureTrainable(int maxLength, string source)
    {
        if (CompletionIds.Count == 0)
        {
            throw new InvalidDataException($"{source}: the completion is empty, so nothing would be learned.");
        }

        if (Length > maxLength)
        {
            throw new InvalidDataException(
                $"{source}: {Length} tokens exceed the maximum sequence length {maxLength}; truncating would cut the end marker.");
        }

        return this;
    }
}
