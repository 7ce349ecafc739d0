using System.Collections.Concurrent;

namespace FineTuneMesh.Trainer.Worker.Worker;

/// <summary>The jobs this worker is training right now, so that a cancel request can reach the one running it.</summary>
public sealed class RunningJobs
{
    private readonly ConcurrentDictionary<string, CancellationTokenSource> _running = new(StringComparer.Ordinal);

    public CancellationTokenSource Start(string jobId)
    {
        var cancel = new CancellationTokenSource();
        _running[jobId] = cancel;
        return cancel;
    }

    public void End(string jobId)
    {
        if (_running.TryRemove(jobId, out var cancel))
        {
            cancel.Dispose();
        }
    }

    /// <summary>True when this worker runs the job and has now asked it to stop.</summary>
    public bool Cancel(string jobId)
    {
        if (!_running.TryGetValue(jobId, out var cancel))
        {
            return false;
        }

        try
        {
            cancel.Cancel();
            return true;
        }
        catch (ObjectDisposedException)
        {
            return false;
        }
    }
}
