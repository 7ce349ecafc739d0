using System.Text.Encodings.Web;
using System.Text.Json;
using System.Text.Json.Serialization;

namespace FineTuneMesh.Core.Training;

/// <summary>
/// A training run's report folder: <c>metrics.json</c> (hyperparameters, per-step losses, final and
/// best values, duration; snake_case) and <c>loss.svg</c> (<see cref="LossChart"/>), so runs with
/// different settings can be compared side by side.
/// </summary>
public static class RunReport
{
    public const string MetricsFile = "metrics.json";
    public const string ChartFile = "loss.svg";

    private static readonly JsonSerializerOptions _json = new()
    {
        PropertyNamingPolicy = JsonNamingPolicy.SnakeCaseLower,
        Encoder = JavaScriptEncoder.UnsafeRelaxedJsonEscaping,
        NumberHandling = JsonNumberHandling.AllowNamedFloatingPointLiterals,
        WriteIndented = true,
    };

    /// <param name="folder">Created if missing; the two files are overwritten.</param>
    /// <param name="hyperparameters">Any object (a <see cref="TrainingOptions"/>, an anonymous object); written as a JSON object.</param>
    /// <param name="trainLoss">The loss of every optimiser step, step 1 first.</param>
    /// <param name="evalLoss">Held-out losses with the (1-based) step after which each was measured; may be empty.</param>
    /// <param name="duration">Wall-clock training time.</param>
    public static void Write(string folder, object hyperparameters, IReadOnlyList<double> trainLoss,
        IReadOnlyList<(int Step, double Loss)> evalLoss, TimeSpan duration)
    {
        Directory.CreateDirectory(folder);
        var bestTrain = Best(trainLoss.Select((loss, i) => (Step: i + 1, Loss: loss)));
        var bestEval = Best(evalLoss);
        var metrics = new
        {
            Hyperparameters = hyperparameters,
            Steps = trainLoss.Count,
            TrainLoss = trainLoss,
            EvalLoss = evalLoss.Select(e => new { e.Step, e.Loss }).ToList(),
            FinalTrainLoss = trainLoss.Count > 0 ? trainLoss[^1] : (double?)null,
            BestTrainLoss = bestTrain?.Loss,
            BestTrainStep = bestTrain?.Step,
            FinalEvalLoss = evalLoss.Count > 0 ? evalLoss[^1].Loss : (double?)null,
            BestEvalLoss = bestEval?.Loss,
            BestEvalStep = bestEval?.Step,
            DurationSeconds = duration.TotalSeconds,
            SecondsPerStep = trainLoss.Count > 0 ? duration.TotalSeconds / trainLoss.Count : (double?)null,
        };
        File.WriteAllText(Path.Combine(folder, MetricsFile), JsonSerializer.Serialize(metrics, _json));
        File.WriteAllText(Path.Combine(folder, ChartFile), LossChart.Render(trainLoss, evalLoss));
    }

    private static (int Step, double Loss)? Best(IEnumerable<(int Step, double Loss)> points) =>
        points.Where(p => double.IsFinite(p.Loss)).OrderBy(p => p.Loss).ThenBy(p => p.Step)
            .Select(p => ((int, double)?)p).FirstOrDefault();
}
