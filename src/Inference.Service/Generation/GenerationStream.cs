using System.Diagnostics;
using System.Threading.Channels;
using FineTuneMesh.Core.Generation;
using FineTuneMesh.Inference.Service.Models;
using FineTuneMesh.Inference.Service.Telemetry;

namespace FineTuneMesh.Inference.Service.Generation;

/// <summary>
/// A running generation. The decode loop runs on its own task and writes into a bounded channel
/// (it waits when the reader falls behind); the API reading <see cref="ReadAllAsync"/> is the only
/// writer of its response. Disposing stops the decode loop after the current step, waits for it,
/// and only then hands back the model lease and the admission slot.
/// </summary>
public sealed class GenerationStream : IAsyncDisposable
{
    private readonly Channel<GenerationEvent> _channel;
    private readonly CancellationTokenSource _stop;
    private readonly Activity? _activity;
    private readonly Action _release;
    private Task _decoding = Task.CompletedTask;
    private int _disposed;

    private GenerationStream(int bufferFrames, Activity? activity, Action release, CancellationToken cancellationToken)
    {
        _channel = Channel.CreateBounded<GenerationEvent>(new BoundedChannelOptions(bufferFrames)
        {
            SingleReader = true,
            SingleWriter = true,
            FullMode = BoundedChannelFullMode.Wait,
        });
        _stop = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        _activity = activity;
        _release = release;
    }

    /// <summary>Tokens in the prompt as the model sees it (after the chat template).</summary>
    public int PromptTokens { get; private init; }

    internal static GenerationStream Start(ModelLease lease, IReadOnlyList<int> promptIds, SamplingOptions sampling, int bufferFrames,
        long requestStarted, Activity? activity, InferenceTelemetry telemetry, Action release, CancellationToken cancellationToken)
    {
        var stream = new GenerationStream(bufferFrames, activity, release, cancellationToken) { PromptTokens = promptIds.Count };
        var token = stream._stop.Token;
        stream._decoding = Task.Run(() => stream.DecodeAsync(lease, promptIds, sampling, requestStarted, telemetry, token), CancellationToken.None);
        return stream;
    }

    /// <summary>Deltas, then one <see cref="GenerationSummary"/>; a failure of the decode loop is rethrown here.</summary>
    public IAsyncEnumerable<GenerationEvent> ReadAllAsync(CancellationToken cancellationToken) => _channel.Reader.ReadAllAsync(cancellationToken);

    public async ValueTask DisposeAsync()
    {
        if (Interlocked.Exchange(ref _disposed, 1) != 0)
        {
            return;
        }

        await _stop.CancelAsync().ConfigureAwait(false);
        // The decode loop must have stopped before its model and its slot are handed back.
        await _decoding.ContinueWith(static _ => { }, CancellationToken.None, TaskContinuationOptions.None, TaskScheduler.Default)
            .ConfigureAwait(false);
        _release();
        _activity?.Dispose();
        _stop.Dispose();
    }

    private async Task DecodeAsync(ModelLease lease, IReadOnlyList<int> promptIds, SamplingOptions sampling, long requestStarted,
        InferenceTelemetry telemetry, CancellationToken cancellationToken)
    {
        Exception? failure = null;
        var engineStarted = Stopwatch.GetTimestamp();
        try
        {
            await foreach (var item in lease.Model.Generator.StreamAsync(promptIds, sampling, cancellationToken).ConfigureAwait(false))
            {
                if (item is GenerationSummary summary)
                {
                    // Recorded before it is written: a cancelled generation is counted too.
                    var queued = Stopwatch.GetElapsedTime(requestStarted, engineStarted);
                    telemetry.Finished(_activity, summary, queued + summary.TimeToFirstToken);
                }

                await _channel.Writer.WriteAsync(item, cancellationToken).ConfigureAwait(false);
            }
        }
        catch (Exception e)
        {
            failure = e;
            if (e is not OperationCanceledException)
            {
                telemetry.Failed(_activity, e);
            }
        }
        finally
        {
            _channel.Writer.TryComplete(failure);
        }
    }
}
