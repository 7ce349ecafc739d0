using FineTuneMesh.Core.Generation;

namespace FineTuneMesh.Core.Evaluation;

/// <summary>One evaluated record: its prompt fields, the expected answer if it had one, and what the model did.</summary>
public sealed record EvaluationExample(
    IReadOnlyDictionary<string, string> Fields,
    string? Expected,
    string Text,
    string Answer,
    AdherenceClass Class,
    FinishReason FinishReason,
    int Tokens,
    bool? ExactMatch);
