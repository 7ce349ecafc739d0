using System.Text.Json;
using FineTuneMesh.Mesh.Jobs;

namespace FineTuneMesh.Mesh.Sweeps;

/// <summary>
/// Turns a sweep's search space into its trials: the full grid (every combination, in a fixed
/// order), or a seeded random draw of <see cref="SweepSpec.MaxTrials"/> distinct combinations. A
/// space that is empty, inverted or larger than the budget is refused with every reason.
/// </summary>
public static class SweepPlanner
{
    public static (IReadOnlyList<TrialSettings> Trials, IReadOnlyList<string> Errors) Plan(SweepSpec spec, int maxTrialsCap)
    {
        var errors = new List<string>();
        var space = spec.Space ?? new SweepSpace();
        var numeric = Dimensions(space).ToList();
        foreach (var (name, dimension, integer) in numeric)
        {
            errors.AddRange(dimension.Problems(name, integer));
        }

        foreach (var (name, lists) in new[] { ("targets", space.Targets), ("stopStrings", space.StopStrings) })
        {
            if (lists is { Count: 0 } || lists?.Any(l => l is null || (name == "targets" && l.Count == 0) || l.Any(string.IsNullOrEmpty)) == true)
            {
                errors.Add($"space.{name} must be a non-empty list of non-empty lists of non-empty strings.");
            }
        }

        if (numeric.Count == 0 && space.Targets is null && space.StopStrings is null)
        {
            errors.Add("the search space is empty: vary at least one of learningRate, epochs, rank, alpha, targets, maxSequenceLength, maxTokens, temperature, stopStrings.");
        }

        if (spec.Sampling is not (SweepSpec.Grid or SweepSpec.Random))
        {
            errors.Add($"sampling must be \"{SweepSpec.Grid}\" or \"{SweepSpec.Random}\", got \"{spec.Sampling}\".");
        }

        if (spec.MaxTrials is < 1)
        {
            errors.Add($"maxTrials must be at least 1, got {spec.MaxTrials}.");
        }

        if (spec.MaxTrials > maxTrialsCap)
        {
            errors.Add($"maxTrials {spec.MaxTrials} is over this mesh's cap of {maxTrialsCap} trials a sweep (Trainer:MaxSweepTrials).");
        }

        if (errors.Count > 0)
        {
            return ([], errors);
        }

        var trials = spec.Sampling == SweepSpec.Grid ? Grid(space, numeric, errors) : Random(spec, space, numeric);
        var budget = Math.Min(spec.MaxTrials ?? maxTrialsCap, maxTrialsCap);
        if (spec.Sampling == SweepSpec.Grid && trials.Count > budget)
        {
            errors.Add($"the grid has {trials.Count} combinations, over the trial budget of {budget}: narrow the space or use \"sampling\": \"random\" with maxTrials.");
        }

        return errors.Count > 0 ? ([], errors) : (trials, errors);
    }

    private static List<TrialSettings> Grid(SweepSpace space, List<(string Name, SweepDimension Dimension, bool Integer)> numeric, List<string> errors)
    {
        IEnumerable<TrialSettings> combinations = [new TrialSettings()];
        foreach (var (name, dimension, integer) in numeric)
        {
            if (dimension.Points(integer) is not { } points)
            {
                errors.Add($"space.{name}: a grid needs \"values\" or \"steps\" with min and max.");
                continue;
            }

            combinations = combinations.SelectMany(trial => points.Select(point => With(trial, name, point)));
        }

        if (space.Targets is { } targets)
        {
            combinations = combinations.SelectMany(trial => targets.Select(t => trial with { Targets = t }));
        }

        if (space.StopStrings is { } stops)
        {
            combinations = combinations.SelectMany(trial => stops.Select(s => trial with { StopStrings = s }));
        }

        return errors.Count > 0 ? [] : [.. combinations.Take(10_000)];
    }

    private static List<TrialSettings> Random(SweepSpec spec, SweepSpace space, List<(string Name, SweepDimension Dimension, bool Integer)> numeric)
    {
        var random = new Random(unchecked((int)spec.Seed));
        var wanted = spec.MaxTrials ?? 8;
        var trials = new List<TrialSettings>();
        var seen = new HashSet<string>(StringComparer.Ordinal);
        for (var attempt = 0; attempt < wanted * 50 && trials.Count < wanted; attempt++)
        {
            var trial = new TrialSettings();
            foreach (var (name, dimension, integer) in numeric)
            {
                trial = With(trial, name, dimension.Sample(random, integer));
            }

            trial = trial with
            {
                Targets = space.Targets is { } targets ? targets[random.Next(targets.Count)] : null,
                StopStrings = space.StopStrings is { } stops ? stops[random.Next(stops.Count)] : null,
            };
            if (seen.Add(JsonSerializer.Serialize(trial, MeshJson.Options)))
            {
                trials.Add(trial);
            }
        }

        return trials;
    }

    private static IEnumerable<(string Name, SweepDimension Dimension, bool Integer)> Dimensions(SweepSpace space)
    {
        (string, SweepDimension?, bool)[] all =
        [
            ("learningRate", space.LearningRate, false), ("epochs", space.Epochs, true), ("rank", space.Rank, true), ("alpha", space.Alpha, false),
            ("maxSequenceLength", space.MaxSequenceLength, true), ("maxTokens", space.MaxTokens, true), ("temperature", space.Temperature, false),
        ];
        return all.Where(d => d.Item2 is not null).Select(d => (d.Item1, d.Item2!, d.Item3));
    }

    private static TrialSettings With(TrialSettings trial, string name, double value) => name switch
    {
        "learningRate" => trial with { LearningRate = value },
        "epochs" => trial with { Epochs = (int)value },
        "rank" => trial with { Rank = (int)value },
        "alpha" => trial with { Alpha = value },
        "maxSequenceLength" => trial with { MaxSequenceLength = (int)value },
        "maxTokens" => trial with { MaxTokens = (int)value },
        "temperature" => trial with { Temperature = value },
        _ => throw new ArgumentOutOfRangeException(nameof(name), name, "not a sweep dimension"),
    };

    /// <summary>The trial's training job: the sweep's base job with the trial's settings, its own id, evaluated at the rungs.</summary>
    public static TrainingJobSpec JobFor(SweepSpec spec, string sweepId, SweepTrial sweepTrial) => spec.Job with
    {
        Id = sweepTrial.JobId,
        SweepId = sweepId,
        Lora = spec.Job.Lora with
        {
            Rank = sweepTrial.Settings.Rank ?? spec.Job.Lora.Rank,
            Alpha = sweepTrial.Settings.Alpha ?? spec.Job.Lora.Alpha,
            Targets = sweepTrial.Settings.Targets ?? spec.Job.Lora.Targets,
        },
        Training = spec.Job.Training with
        {
            LearningRate = sweepTrial.Settings.LearningRate ?? spec.Job.Training.LearningRate,
            Epochs = sweepTrial.Settings.Epochs ?? spec.Job.Training.Epochs,
            MaxSequenceLength = sweepTrial.Settings.MaxSequenceLength ?? spec.Job.Training.MaxSequenceLength,
            EvalEverySteps = spec.Job.Training.EvalEverySteps > 0 ? spec.Job.Training.EvalEverySteps : sweepTrial.EvalEverySteps,
        },
        Evaluation = (spec.Job.Evaluation ?? new EvaluationSpec()) with
        {
            MaxTokens = sweepTrial.Settings.MaxTokens ?? (spec.Job.Evaluation ?? new EvaluationSpec()).MaxTokens,
            Temperature = sweepTrial.Settings.Temperature ?? (spec.Job.Evaluation ?? new EvaluationSpec()).Temperature,
            StopStrings = sweepTrial.Settings.StopStrings ?? (spec.Job.Evaluation ?? new EvaluationSpec()).StopStrings,
        },
    };

    public static string TrialJobId(string sweepId, int index) => $"{sweepId}-t{index}";
}
