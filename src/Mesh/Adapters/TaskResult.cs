namespace FineTuneMesh.Mesh.Adapters;

/// <summary>A task of a multi-task adapter as its manifest records it: its data, template, weight, example counts and held-out adherence.</summary>
public sealed record TaskResult(string Name, string DatasetKey, string? Template, double Weight, int TrainExamples, int EvalExamples,
    EvaluationSummary? Evaluation);
