using System.Net.ServerSentEvents;
using System.Runtime.CompilerServices;
using System.Text.Json;
using System.Threading.Channels;
using FineTuneMesh.Mesh;
using FineTuneMesh.Mesh.Jobs;
using FineTuneMesh.Messaging;
using FineTuneMesh.ServiceDefaults;
using FineTuneMesh.Storage;
using Microsoft.Extensions.Options;
using RabbitMQ.Client;

namespace FineTuneMesh.Trainer.Worker.Apis;

/// <summary>
/// Server-sent events for one job: the current record first, then every event the job's worker
/// publishes (whichever worker that is), until the job ends or the client goes away. Each stream
/// has its own auto-deleted queue bound to <c>training.{jobId}.*</c>.
/// </summary>
public sealed class JobEventStream(IConnection connection, JobStore jobs, IOptions<TrainerOptions> options)
{
    private static readonly TimeSpan _keepAlive = TimeSpan.FromSeconds(15);

    // Each stream holds a channel of the connection the consumer also needs: a bounded number of them.
    private readonly SemaphoreSlim _slots = new(options.Value.MaxEventStreams, options.Value.MaxEventStreams);

    /// <summary>One stream's place, to dispose when its response ends; null when every place is taken.</summary>
    public IDisposable? TryTakeSlot() => _slots.Wait(0, CancellationToken.None) ? new Slot(_slots) : null;

    /// <summary>The job's events as ASP.NET Core writes them: <c>event: record</c>, then <c>event: {kind}</c>, data in the mesh's JSON.</summary>
    /// <param name="jobId">A valid job id.</param>
    /// <param name="keepAlive">Comments while no event comes, so no proxy on the way takes a quiet job for a dead stream.</param>
    /// <param name="cancellationToken">The client leaving.</param>
    public async IAsyncEnumerable<SseItem<string>> ReadAsync(string jobId, SseKeepAlive keepAlive,
        [EnumeratorCancellation] CancellationToken cancellationToken)
    {
        var events = Channel.CreateUnbounded<JobEvent>();
        await using var subscription = await JobEventSubscription.OpenAsync(connection, jobId, "*", jobEvent =>
        {
            events.Writer.TryWrite(jobEvent);
            return Task.CompletedTask;
        }, cancellationToken);

        // Subscribed first, read second: nothing that happens in between is missed.
        var record = await jobs.GetAsync(jobId, cancellationToken);
        if (record is null)
        {
            yield break;
        }

        yield return new SseItem<string>(JsonSerializer.Serialize(record, MeshJson.Options), "record");
        if (record.IsFinal)
        {
            yield break;
        }

        while (!cancellationToken.IsCancellationRequested)
        {
            if (await NextAsync(events.Reader, cancellationToken) is not { } jobEvent)
            {
                await keepAlive.WriteAsync(cancellationToken);
                continue;
            }

            yield return new SseItem<string>(JsonSerializer.Serialize(jobEvent, MeshJson.Options), jobEvent.Kind);
            if (jobEvent.Status is JobStatus.Succeeded or JobStatus.Failed or JobStatus.Cancelled)
            {
                yield break;
            }
        }
    }

    /// <summary>The next event, or null when none came within the keep-alive interval.</summary>
    private static async Task<JobEvent?> NextAsync(ChannelReader<JobEvent> events, CancellationToken cancellationToken)
    {
        using var wait = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        wait.CancelAfter(_keepAlive);
        try
        {
            return await events.ReadAsync(wait.Token);
        }
        catch (OperationCanceledException) when (!cancellationToken.IsCancellationRequested)
        {
            return null;
        }
    }

    private sealed class Slot(SemaphoreSlim slots) : IDisposable
    {
        private int _released;

        public void Dispose()
        {
            if (Interlocked.Exchange(ref _released, 1) == 0)
            {
                slots.Release();
            }
        }
    }
}
