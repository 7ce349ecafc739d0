using FineTuneMesh.Core.Training;
using FineTuneMesh.Mesh.Adapters;

namespace FineTuneMesh.Trainer.Worker.Worker;

/// <summary>What a finished training run hands to publishing: the run, its example counts, its held-out evaluation and, for a multi-task job, each task's.</summary>
public sealed record TrainedAdapter(TrainingResult Result, int TrainCount, int EvalCount, EvaluationSummary? Evaluation, IReadOnlyList<TaskResult>? Tasks);
