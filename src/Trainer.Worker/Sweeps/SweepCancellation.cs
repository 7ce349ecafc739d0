using FineTuneMesh.Mesh.Jobs;
using FineTuneMesh.Mesh.Sweeps;
using FineTuneMesh.Storage;
using FineTuneMesh.Trainer.Worker.Jobs;

namespace FineTuneMesh.Trainer.Worker.Sweeps;

/// <summary>Cancels a sweep: marks it, and cancels every trial that has not ended (queued ones at once, running ones within a step).</summary>
public sealed class SweepCancellation(SweepStore sweeps, SweepBoard board, JobCancellation cancellation)
{
    /// <summary>The sweep after cancelling; null when it had already ended (there is nothing to cancel).</summary>
    public async Task<SweepView?> CancelAsync(SweepRecord sweep, CancellationToken cancellationToken)
    {
        if ((await board.ViewAsync(sweep, cancellationToken)).Status is JobStatus.Succeeded or JobStatus.Failed or JobStatus.Cancelled)
        {
            return null;
        }

        sweep = sweep with { CancelRequested = true };
        await sweeps.SaveAsync(sweep, cancellationToken);
        foreach (var trial in sweep.Trials)
        {
            await cancellation.CancelAsync(trial.JobId, cancellationToken);
        }

        return await board.ViewAsync(sweep, cancellationToken);
    }
}
