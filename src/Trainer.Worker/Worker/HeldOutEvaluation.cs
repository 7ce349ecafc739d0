using FineTuneMesh.BaseModels;
using FineTuneMesh.Core;
using FineTuneMesh.Core.Evaluation;
using FineTuneMesh.Mesh;
using FineTuneMesh.Mesh.Adapters;
using FineTuneMesh.Mesh.Jobs;
using FineTuneMesh.Prompts;

namespace FineTuneMesh.Trainer.Worker.Worker;

/// <summary>
/// After training, the job's held-out template records (the same seeded split that gave the eval
/// loss) are answered by the trained model and classified for template adherence. The full report
/// becomes the version's evaluation.json; its counts go into the manifest.
/// </summary>
public static class HeldOutEvaluation
{
    public const string FileName = "evaluation.json";

    /// <summary>Null when there is nothing to evaluate: no template, no held-out split, or evaluation turned off.</summary>
    /// <param name="model">The trained model, its adapter in place.</param>
    /// <param name="template">The job's template; without one there is nothing to score.</param>
    /// <param name="dataPath">The job's dataset, whose seeded split is held out.</param>
    /// <param name="evalPath">A second dataset held out instead, every record of it; null for the split.</param>
    /// <param name="spec">The job.</param>
    /// <param name="cancellationToken">Stops between answers.</param>
    public static EvaluationReport? Run(LanguageModel model, PromptTemplate? template, string dataPath, string? evalPath, TrainingJobSpec spec,
        CancellationToken cancellationToken)
    {
        var settings = spec.Evaluation ?? new EvaluationSpec();
        if (template is null || settings.MaxExamples == 0)
        {
            return null;
        }

        var records = HeldOutRecords.Select(dataPath, evalPath, spec.Training.EvalFraction, spec.Training.Seed, settings.MaxExamples);
        if (records.Count == 0)
        {
            return null;
        }

        model.Network.eval();
        return Evaluator.RunAsync(model, template, records, settings.ToSampling(model, spec.Training.Seed), cancellationToken).GetAwaiter().GetResult();
    }

    /// <summary>Writes the report (every example) beside the adapter files, in the mesh's JSON shape: evaluation.json, or evaluation-{task}.json for one task's.</summary>
    public static void Write(string adapterFolder, EvaluationReport report, string? task = null) =>
        File.WriteAllBytes(Path.Combine(adapterFolder, task is null ? FileName : $"evaluation-{task}.json"), MeshJson.Serialize(report));

    public static EvaluationSummary Summarize(EvaluationReport report) => new(report.Count, report.Adherent, report.EarlyStop,
        report.RunOn, report.Malformed, report.WithExpected, report.ExactMatches, report.AverageTokens, report.AverageCharacters);
}
