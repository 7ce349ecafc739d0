using System.Threading.Channels;
using FineTuneMesh.Mesh;
using FineTuneMesh.Mesh.Jobs;
using FineTuneMesh.Messaging;
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

    /// <summary>False, without writing anything, when every stream slot is taken.</summary>
    public async Task<bool> TryWriteAsync(HttpResponse response, string jobId, CancellationToken cancellationToken)
    {
        if (!_slots.Wait(0, CancellationToken.None))
        {
            return false;
        }

        try
        {
            await WriteAsync(response, jobId, cancellationToken);
            return true;
        }
        finally
        {
            _slots.Release();
        }
    }

    private async Task WriteAsync(HttpResponse response, string jobId, CancellationToken cancellationToken)
    {
        var events = Channel.CreateUnbounded<JobEvent>();
        await using var subscription = await JobEventSubscription.OpenAsync(connection, jobId, "*", jobEvent =>
        {
            events.Writer.TryWrite(jobEvent);
            return Task.CompletedTask;
        }, cancellationToken);

        response.ContentType = "text/event-stream";
        response.Headers.CacheControl = "no-cache";
        // Subscribed first, read second: nothing that happens in between is missed.
        var record = await jobs.GetAsync(jobId, cancellationToken);
        if (record is null)
        {
            return;
        }

        await SendAsync(response, "record", MeshJson.Serialize(record), cancellationToken);
        if (record.IsFinal)
        {
            return;
        }

        while (!cancellationToken.IsCancellationRequested)
        {
            using var wait = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
            wait.CancelAfter(_keepAlive);
            JobEvent jobEvent;
            try
            {
                jobEvent = await events.Reader.ReadAsync(wait.Token);
            }
            catch (OperationCanceledException) when (!cancellationToken.IsCancellationRequested)
            {
                await response.WriteAsync(": keep-alive\n\n", cancellationToken);
                await response.Body.FlushAsync(cancellationToken);
                continue;
            }

            await SendAsync(response, jobEvent.Kind, MeshJson.Serialize(jobEvent), cancellationToken);
            if (jobEvent.Status is JobStatus.Succeeded or JobStatus.Failed or JobStatus.Cancelled)
            {
                return;
            }
        }
    }

    private static async Task SendAsync(HttpResponse response, string eventName, byte[] json, CancellationToken cancellationToken)
    {
        await response.WriteAsync($"event: {eventName}\ndata: ", cancellationToken);
        await response.Body.WriteAsync(json, cancellationToken);
        await response.WriteAsync("\n\n", cancellationToken);
        await response.Body.FlushAsync(cancellationToken);
    }
}
