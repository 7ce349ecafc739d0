using FineTuneMesh.Mesh.Jobs;
using FineTuneMesh.Mesh.Sweeps;
using FineTuneMesh.Storage;
using FineTuneMesh.Trainer.Worker.Jobs;
using Microsoft.Extensions.Options;

namespace FineTuneMesh.Trainer.Worker.Sweeps;

/// <summary>
/// Early stopping for sweeps, on every trainer: asynchronous successive halving. When a running
/// trial has passed a rung (a share of its steps) with an eval loss, that loss is recorded for the
/// rung, once (the first trainer to record it decides), and compared with every trial that passed
/// the rung before; outside the best <see cref="EarlyStoppingSpec.KeepFraction"/> of them, once
/// there are at least <see cref="EarlyStoppingSpec.MinTrialsPerRung"/>, the trial is cancelled.
/// A trial whose loss is no longer a number (it diverged) is stopped at once.
/// </summary>
public sealed class SweepSupervisor(SweepStore sweeps, JobStore jobs, JobCancellation cancellation, IOptions<TrainerOptions> options,
    ILogger<SweepSupervisor> logger) : BackgroundService
{
    private readonly HashSet<string> _finished = new(StringComparer.Ordinal);

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        using var timer = new PeriodicTimer(options.Value.SweepSupervisorInterval);
        while (await timer.WaitForNextTickAsync(stoppingToken))
        {
            try
            {
                foreach (var sweep in await sweeps.ListAsync(stoppingToken))
                {
                    if (!_finished.Contains(sweep.Id))
                    {
                        await SuperviseAsync(sweep, stoppingToken);
                    }
                }
            }
            catch (Exception e) when (e is not OperationCanceledException)
            {
                // Storage hiccups wait for the next tick; early stopping is an optimisation, never a reason to crash.
                Log.SweepSupervisionFailed(logger, e.Message);
            }
        }
    }

    private async Task SuperviseAsync(SweepRecord sweep, CancellationToken cancellationToken)
    {
        var records = new List<JobRecord>();
        foreach (var trial in sweep.Trials)
        {
            if (await jobs.GetAsync(trial.JobId, cancellationToken) is { } record)
            {
                records.Add(record);
            }
        }

        if (records.Count == sweep.Trials.Count && records.All(r => r.IsFinal))
        {
            _finished.Add(sweep.Id);
            return;
        }

        var rules = sweep.Spec.EarlyStopping;
        if (!rules.Enabled || sweep.CancelRequested)
        {
            return;
        }

        var results = await sweeps.RungsAsync(sweep.Id, cancellationToken);
        var stopped = results.Where(r => r.Stopped).Select(r => r.JobId).ToHashSet(StringComparer.Ordinal);
        foreach (var record in records.Where(r => r.Status == JobStatus.Running && r.Progress is not null && !stopped.Contains(r.Id)))
        {
            var progress = record.Progress!;
            if (!double.IsFinite(progress.Loss))
            {
                await StopAsync(sweep, new RungResult(record.Id, Share(progress), progress.Loss, true,
                    $"the loss diverged ({progress.Loss}) at step {progress.Step}", DateTimeOffset.UtcNow), cancellationToken);
                continue;
            }

            var rung = rules.Rungs.Order().FirstOrDefault(r => Share(progress) >= r && !results.Any(x => x.JobId == record.Id && x.Rung == r));
            if (rung == 0 || progress.EvalLoss is not { } evalLoss)
            {
                continue;
            }

            // Past its last step the trial has nothing left to save: its loss still counts for the rung, but it is not stopped.
            var training = progress.Phase == JobProgress.TrainingPhase && progress.Step < progress.TotalSteps;
            var (stop, reason) = SuccessiveHalving.Decide(rules, rung, evalLoss, results.Where(x => x.Rung == rung).Select(x => x.EvalLoss));
            await StopAsync(sweep, new RungResult(record.Id, rung, evalLoss, stop && training, training ? reason : null, DateTimeOffset.UtcNow),
                cancellationToken);
        }
    }

    /// <summary>Records the decision; the trial is cancelled only by whoever recorded it first, and only when it says stop.</summary>
    private async Task StopAsync(SweepRecord sweep, RungResult result, CancellationToken cancellationToken)
    {
        if (await sweeps.TryRecordRungAsync(sweep.Id, result, cancellationToken) && result.Stopped)
        {
            Log.TrialStopped(logger, sweep.Id, result.JobId, result.Reason!);
            await cancellation.CancelAsync(result.JobId, cancellationToken);
        }
    }

    private static double Share(JobProgress progress) => progress.TotalSteps == 0 ? 0 : (double)progress.Step / progress.TotalSteps;
}
