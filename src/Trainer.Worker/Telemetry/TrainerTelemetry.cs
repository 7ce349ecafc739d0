using System.Diagnostics;
using System.Diagnostics.Metrics;
using FineTuneMesh.ServiceDefaults;

namespace FineTuneMesh.Trainer.Worker.Telemetry;

/// <summary>The trainer's spans (job, epoch, upload) and metrics (loss, tokens/s, job duration, outcomes).</summary>
public static class TrainerTelemetry
{
    public static readonly ActivitySource Source = new(TelemetryNames.Trainer);

    private static readonly Meter _meter = new(TelemetryNames.Trainer);

    public static readonly Histogram<double> Loss = _meter.CreateHistogram<double>(
        "finetunemesh.training.loss", description: "Training loss per optimiser step.");

    public static readonly Histogram<double> EvalLoss = _meter.CreateHistogram<double>(
        "finetunemesh.training.eval_loss", description: "Hold-out loss per evaluation.");

    public static readonly Histogram<double> TokensPerSecond = _meter.CreateHistogram<double>(
        "finetunemesh.training.tokens_per_second", unit: "{token}/s", description: "Training throughput per step.");

    public static readonly Histogram<double> JobDuration = _meter.CreateHistogram<double>(
        "finetunemesh.training.job.duration", unit: "s", description: "Wall time of a job attempt, by outcome.");

    public static readonly Counter<long> Jobs = _meter.CreateCounter<long>(
        "finetunemesh.training.jobs", description: "Job attempts ended, by outcome.");

    public static readonly Counter<long> DeadLettered = _meter.CreateCounter<long>(
        "finetunemesh.training.dead_lettered", description: "Job messages sent to the dead-letter queue.");
}
