using System.Globalization;

namespace FineTuneMesh.Storage;

/// <summary>
/// A running job's resumable checkpoints in the checkpoints bucket. Each is uploaded whole under
/// <c>{jobId}/step-{N}/</c> before <c>{jobId}/latest.json</c> points at it, so a worker killed
/// mid-upload leaves the previous checkpoint intact for the next one to resume from.
/// </summary>
public sealed class CheckpointStore(ArtifactStore store)
{
    private sealed record LatestCheckpoint(int Step, IReadOnlyList<string> Files);

    public async Task UploadAsync(string jobId, int step, string folder, CancellationToken cancellationToken = default)
    {
        var files = Directory.GetFiles(folder).Select(Path.GetFileName).OfType<string>().Order(StringComparer.Ordinal).ToList();
        foreach (var file in files)
        {
            await store.PutFileAsync(MeshBuckets.Checkpoints, $"{StepPrefix(jobId, step)}{file}", Path.Combine(folder, file), cancellationToken);
        }

        var previous = await store.GetJsonAsync<LatestCheckpoint>(MeshBuckets.Checkpoints, LatestKey(jobId), cancellationToken);
        await store.PutJsonAsync(MeshBuckets.Checkpoints, LatestKey(jobId), new LatestCheckpoint(step, files), cancellationToken);
        if (previous is not null && previous.Step != step)
        {
            foreach (var file in previous.Files)
            {
                await store.DeleteAsync(MeshBuckets.Checkpoints, $"{StepPrefix(jobId, previous.Step)}{file}", cancellationToken);
            }
        }
    }

    /// <summary>Downloads the newest complete checkpoint into <paramref name="folder"/>; its step, or null when there is none.</summary>
    public async Task<int?> DownloadAsync(string jobId, string folder, CancellationToken cancellationToken = default)
    {
        if (await store.GetJsonAsync<LatestCheckpoint>(MeshBuckets.Checkpoints, LatestKey(jobId), cancellationToken) is not { } latest)
        {
            return null;
        }

        Directory.CreateDirectory(folder);
        foreach (var file in latest.Files)
        {
            StoredNames.RequirePlainFileName(file, $"checkpoint step {latest.Step} of job {jobId}");
            var key = $"{StepPrefix(jobId, latest.Step)}{file}";
            if (!await store.DownloadFileAsync(MeshBuckets.Checkpoints, key, Path.Combine(folder, file), cancellationToken))
            {
                throw new FileNotFoundException($"s3://{MeshBuckets.Checkpoints}/{key} is part of checkpoint step {latest.Step} of job {jobId} but is missing.");
            }
        }

        return latest.Step;
    }

    public async Task DeleteAsync(string jobId, CancellationToken cancellationToken = default)
    {
        if (await store.GetJsonAsync<LatestCheckpoint>(MeshBuckets.Checkpoints, LatestKey(jobId), cancellationToken) is { } latest)
        {
            foreach (var file in latest.Files)
            {
                await store.DeleteAsync(MeshBuckets.Checkpoints, $"{StepPrefix(jobId, latest.Step)}{file}", cancellationToken);
            }

            await store.DeleteAsync(MeshBuckets.Checkpoints, LatestKey(jobId), cancellationToken);
        }
    }

    private static string StepPrefix(string jobId, int step) => $"{jobId}/step-{step.ToString(CultureInfo.InvariantCulture)}/";

    private static string LatestKey(string jobId) => $"{jobId}/latest.json";
}
