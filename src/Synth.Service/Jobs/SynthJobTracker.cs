using System.Collections.Concurrent;

namespace FineTuneMesh.Synth.Service.Jobs;

/// <summary>The jobs this process runs or ran: live state and events. Stored records answer for the rest.</summary>
public sealed class SynthJobTracker(TimeProvider timeProvider)
{
    private readonly ConcurrentDictionary<string, TrackedJob> _jobs = new(StringComparer.Ordinal);

    public TrackedJob Add(SynthJob job)
    {
        var tracked = new TrackedJob(job);
        _jobs[job.Id] = tracked;
        tracked.Update(j => j, "status", "queued", timeProvider.GetUtcNow());
        return tracked;
    }

    public TrackedJob? Find(string id) => _jobs.GetValueOrDefault(id);

    public SynthJob Update(string id, Func<SynthJob, SynthJob> change, string type, string? message = null) =>
        _jobs[id].Update(change, type, message, timeProvider.GetUtcNow());
}
