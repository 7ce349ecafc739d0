using FineTuneMesh.Mesh.Jobs;
using FineTuneMesh.Mesh.Sweeps;
using FineTuneMesh.Storage;

namespace FineTuneMesh.Trainer.Worker.Sweeps;

/// <summary>
/// A sweep's standing, read from its trials' own records: each trial's status and progress, its
/// adapter version's held-out adherence and eval loss, and early stopping's decisions; ranked by
/// <see cref="SweepView.RankingRule"/>.
/// </summary>
public sealed class SweepBoard(JobStore jobs, AdapterCatalog adapters, SweepStore sweeps)
{
    public async Task<SweepView> ViewAsync(SweepRecord sweep, CancellationToken cancellationToken)
    {
        // The first decision that stopped a trial is why it stopped (a second can land before its cancel does).
        var stops = (await sweeps.RungsAsync(sweep.Id, cancellationToken)).Where(r => r.Stopped)
            .GroupBy(r => r.JobId).ToDictionary(g => g.Key, g => g.MinBy(r => r.At)!);
        var standings = new List<SweepStanding>();
        foreach (var trial in sweep.Trials)
        {
            var job = await jobs.GetAsync(trial.JobId, cancellationToken);
            var manifest = job?.Adapter is { } adapter ? await adapters.GetAsync(adapter.Name, adapter.Version, cancellationToken) : null;
            var stop = stops.GetValueOrDefault(trial.JobId);
            standings.Add(new SweepStanding
            {
                Rank = 0,
                Index = trial.Index,
                JobId = trial.JobId,
                Status = job?.Status ?? JobStatus.Queued,
                Settings = trial.Settings,
                Adapter = job?.Adapter,
                AdherenceRate = manifest?.Evaluation?.AdherenceRate,
                EvalLoss = manifest?.Metrics.BestEvalLoss ?? job?.Progress?.EvalLoss,
                ExactMatchRate = manifest?.Evaluation?.ExactMatchRate,
                DurationSeconds = manifest?.Metrics.DurationSeconds,
                Progress = job?.Progress,
                StoppedAtRung = stop?.Rung,
                Note = stop?.Reason ?? job?.Error,
            });
        }

        var ranked = SweepRanking.Rank(standings);
        return new SweepView
        {
            Id = sweep.Id,
            Status = SweepRanking.StatusOf(ranked, sweep.CancelRequested),
            Spec = sweep.Spec,
            Leaderboard = ranked,
            CreatedAt = sweep.CreatedAt,
            CancelRequested = sweep.CancelRequested,
        };
    }
}
