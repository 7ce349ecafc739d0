namespace FineTuneMesh.Mesh.Jobs;

/// <summary>
/// How a job's held-out records are answered after training to score template adherence: greedy
/// (temperature 0) unless said otherwise, at most <see cref="MaxTokens"/> tokens an answer, the
/// template's end marker plus <see cref="StopStrings"/> as stops, at most <see cref="MaxExamples"/>
/// records (0 turns the evaluation off). Only jobs with a template and a held-out split are evaluated.
/// </summary>
public sealed record EvaluationSpec
{
    public const int MaxTokensLimit = 4096;
    public const int MaxExamplesLimit = 1000;

    public int MaxTokens { get; init; } = 128;
    public int MaxExamples { get; init; } = 20;
    public double Temperature { get; init; }
    public IReadOnlyList<string> StopStrings { get; init; } = [];

    /// <summary>
    /// A second dataset (a key in the datasets bucket) to hold out instead of a share of the job's
    /// own records: all of the job's records train, these give the eval loss and are answered.
    /// </summary>
    public string? DatasetKey { get; init; }

    /// <summary>Every problem with these settings, each naming the field.</summary>
    public IEnumerable<string> Problems()
    {
        if (MaxTokens is < 1 or > MaxTokensLimit)
        {
            yield return $"evaluation.maxTokens must be in [1, {MaxTokensLimit}], got {MaxTokens}.";
        }

        if (MaxExamples is < 0 or > MaxExamplesLimit)
        {
            yield return $"evaluation.maxExamples must be in [0, {MaxExamplesLimit}] (0: no evaluation), got {MaxExamples}.";
        }

        if (Temperature is < 0 or > 2 || double.IsNaN(Temperature))
        {
            yield return $"evaluation.temperature must be in [0, 2], got {Temperature}.";
        }

        if (StopStrings.Any(string.IsNullOrEmpty))
        {
            yield return "evaluation.stopStrings may not contain an empty string.";
        }
    }
}
