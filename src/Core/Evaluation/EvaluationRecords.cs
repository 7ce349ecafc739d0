using FineTuneMesh.Core.Data;

namespace FineTuneMesh.Core.Evaluation;

/// <summary>Reads a JSONL file of template records (<c>{"question": ..., "answer": ...}</c>), one object of strings per line.</summary>
public static class EvaluationRecords
{
    public static IReadOnlyList<IReadOnlyDictionary<string, string>> Read(string path) =>
        [.. JsonLines.ReadObjects(path).Select(line => JsonLines.StringFields(line.Record, line.Source))];
}
