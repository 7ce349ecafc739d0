using FineTuneMesh.Synth.Service.Quality;

namespace FineTuneMesh.Synth.Service.Jobs;

/// <summary>A job this process knows: its latest record, its events so far, and its cancellation.</summary>
public sealed class TrackedJob(SynthJob job)
{
    private readonly Lock _lock = new();
    private readonly List<SynthJobEvent> _events = [];
    private TaskCompletionSource _changed = new(TaskCreationOptions.RunContinuationsAsynchronously);

    public SynthJob Job { get; private set; } = job;

    public CancellationTokenSource Cancellation { get; } = new();

    public SynthJob Update(Func<SynthJob, SynthJob> change, string type, string? message, DateTimeOffset now,
        IReadOnlyList<ReportEntry>? entries = null)
    {
        TaskCompletionSource changed;
        SynthJob updated;
        lock (_lock)
        {
            updated = Job = change(Job);
            _events.Add(new SynthJobEvent(_events.Count + 1, type, updated.Status, updated.Accepted, updated.Rejected,
                updated.Requests, updated.InputTokens + updated.OutputTokens, message, now, entries));
            changed = _changed;
            _changed = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        }

        changed.TrySetResult();
        return updated;
    }

    /// <summary>Every event from the first, then new ones as they come, until the job has finished.</summary>
    public async IAsyncEnumerable<SynthJobEvent> ReadEventsAsync([System.Runtime.CompilerServices.EnumeratorCancellation] CancellationToken cancellationToken)
    {
        var next = 0;
        while (true)
        {
            SynthJobEvent[] batch;
            Task changed;
            bool finished;
            lock (_lock)
            {
                batch = [.. _events.Skip(next)];
                changed = _changed.Task;
                finished = Job.IsFinished;
            }

            foreach (var item in batch)
            {
                yield return item;
            }

            next += batch.Length;
            if (finished && batch.Length == 0)
            {
                yield break;
            }

            if (!finished)
            {
                await changed.WaitAsync(cancellationToken);
            }
        }
    }
}
