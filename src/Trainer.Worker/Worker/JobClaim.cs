using FineTuneMesh.Mesh;
using FineTuneMesh.Mesh.Jobs;
using FineTuneMesh.Storage;

namespace FineTuneMesh.Trainer.Worker.Worker;

/// <summary>
/// Two copies of one job's message (a publisher that sent it twice) can reach two idle workers at
/// once, and both read it as queued. Each claims the attempt number it wrote into the record
/// (<c>claims/{id}/attempt-{n}</c> in the jobs bucket, created only if absent: see
/// <see cref="ArtifactStore.TryCreateAsync"/>), and only the worker that got it trains.
/// </summary>
public sealed class JobClaim(ArtifactStore store, JobStore jobs)
{
    public static string KeyOf(string jobId, int attempt) => $"claims/{jobId}/attempt-{attempt}";

    /// <summary>
    /// True when this worker holds the attempt; it then writes the record again, since the losing
    /// worker's write may have landed last.
    /// </summary>
    public async Task<bool> TryTakeAsync(JobRecord claimed, CancellationToken cancellationToken)
    {
        var claim = MeshJson.Serialize(new { worker = claimed.Worker, attempt = claimed.Attempts, at = DateTimeOffset.UtcNow });
        if (!await store.TryCreateAsync(MeshBuckets.Jobs, KeyOf(claimed.Id, claimed.Attempts), claim, cancellationToken))
        {
            return false;
        }

        await jobs.SaveAsync(claimed, cancellationToken);
        return true;
    }
}
