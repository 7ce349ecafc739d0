using System.Collections.Concurrent;
using FineTuneMesh.Synth.Service.Quality;

namespace FineTuneMesh.Synth.Service.Jobs;

/// <summary>
/// The jobs this process runs or ran: live state and events. Beyond <see cref="MaxFinishedKept"/>
/// the oldest finished jobs are forgotten here; their stored records answer for them.
/// </summary>
public sealed class SynthJobTracker(TimeProvider timeProvider)
{
    public const int MaxFinishedKept = 500;

    private readonly ConcurrentDictionary<string, TrackedJob> _jobs = new(StringComparer.Ordinal);

    public TrackedJob Add(SynthJob job)
    {
        var finished = _jobs.Values.Where(j => j.Job.IsFinished).ToList();
        foreach (var old in finished.OrderBy(j => j.Job.FinishedAt).Take(Math.Max(0, finished.Count - MaxFinishedKept + 1)))
        {
            _jobs.TryRemove(old.Job.Id, out _);
        }

        var tracked = new TrackedJob(job);
        _jobs[job.Id] = tracked;
        tracked.Update(j => j, "status", "queued", timeProvider.GetUtcNow());
        return tracked;
    }

    public TrackedJob? Find(string id) => _jobs.GetValueOrDefault(id);

    public SynthJob Update(string id, Func<SynthJob, SynthJob> change, string type, string? message = null,
        IReadOnlyList<ReportEntry>? entries = null) =>
        _jobs[id].Update(change, type, message, timeProvider.GetUtcNow(), entries);
}
