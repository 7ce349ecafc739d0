using System.Diagnostics;
using System.Runtime.CompilerServices;
using System.Threading.Channels;
using FineTuneMesh.Core.Generation;
using FineTuneMesh.Inference.Service.Models;
using FineTuneMesh.Inference.Service.Telemetry;

namespace FineTuneMesh.Inference.Service.Generation;

/// <summary>
/// A running generation. The decode loop runs on its own task and writes into a bounded channel
/// (it waits when the reader falls behind); the API reading <see cref="ReadAllAsync"/> is the only
/// writer of its response. Disposing stops the decode loop after the current step, waits for it,
/// and only then hands back the model lease and the admission slot. A generation that reaches
/// <see cref="Limits.MaxDuration"/> ends as if it had reached its token limit.
/// </summary>
public sealed class GenerationStream : IAsyncDisposable
{
    private readonly Channel<GenerationEvent> _channel;
    private readonly CancellationTokenSource _abandon;
    private readonly CancellationTokenSource _deadline;
    private readonly CancellationTokenSource _stop;
    private readonly TimeSpan _keepAlive;
    private readonly Activity? _activity;
    private readonly Action _release;
    private Task _decoding = Task.CompletedTask;
    private int _disposed;

    private GenerationStream(Limits limits, Activity? activity, Action release, CancellationToken cancellationToken)
    {
        _channel = Channel.CreateBounded<GenerationEvent>(new BoundedChannelOptions(limits.BufferFrames)
        {
            SingleReader = true,
            SingleWriter = true,
            FullMode = BoundedChannelFullMode.Wait,
        });
        // Abandoned (the caller left, or disposed the stream): nothing more is written. Past the
        // deadline: the loop stops, but what it made is still written.
        _abandon = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        _deadline = new CancellationTokenSource(limits.MaxDuration);
        _stop = CancellationTokenSource.CreateLinkedTokenSource(_abandon.Token, _deadline.Token);
        _keepAlive = limits.KeepAlive;
        _activity = activity;
        _release = release;
    }

    /// <summary>The bounds of one generation.</summary>
    /// <param name="BufferFrames">Frames the decode loop may run ahead of its reader.</param>
    /// <param name="MaxDuration">The longest the generation decodes.</param>
    /// <param name="KeepAlive">Silence after which <see cref="ReadAllAsync"/> yields a <see cref="StillWaiting"/>.</param>
    public sealed record Limits(int BufferFrames, TimeSpan MaxDuration, TimeSpan KeepAlive);

    /// <summary>Tokens in the prompt as the model sees it (after the chat template).</summary>
    public int PromptTokens { get; private init; }

    internal static GenerationStream Start(ModelLease lease, IReadOnlyList<int> promptIds, SamplingOptions sampling, Limits limits,
        long requestStarted, Activity? activity, InferenceTelemetry telemetry, Action release, CancellationToken cancellationToken)
    {
        var stream = new GenerationStream(limits, activity, release, cancellationToken) { PromptTokens = promptIds.Count };
        stream._decoding = Task.Run(() => stream.DecodeAsync(lease, promptIds, sampling, requestStarted, telemetry), CancellationToken.None);
        return stream;
    }

    /// <summary>
    /// Deltas, then one <see cref="GenerationSummary"/>, with a <see cref="StillWaiting"/> after each
    /// keep-alive interval without either; a failure of the decode loop is rethrown here.
    /// </summary>
    public async IAsyncEnumerable<GenerationEvent> ReadAllAsync([EnumeratorCancellation] CancellationToken cancellationToken)
    {
        var reader = _channel.Reader;
        var silence = Stopwatch.StartNew();
        Task<bool>? readable = null;
        while (true)
        {
            readable ??= reader.WaitToReadAsync(cancellationToken).AsTask();
            if (!readable.IsCompleted && !await CompletesWithinAsync(readable, _keepAlive, cancellationToken).ConfigureAwait(false))
            {
                yield return new StillWaiting(silence.Elapsed);
                continue;
            }

            if (!await readable.ConfigureAwait(false))
            {
                yield break;
            }

            readable = null;
            while (reader.TryRead(out var item))
            {
                silence.Restart();
                yield return item;
            }
        }
    }

    private static async Task<bool> CompletesWithinAsync(Task task, TimeSpan limit, CancellationToken cancellationToken)
    {
        using var timer = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        var delay = Task.Delay(limit, timer.Token);
        var first = await Task.WhenAny(task, delay).ConfigureAwait(false);
        await timer.CancelAsync().ConfigureAwait(false);
        return first == task;
    }

    public async ValueTask DisposeAsync()
    {
        if (Interlocked.Exchange(ref _disposed, 1) != 0)
        {
            return;
        }

        await _abandon.CancelAsync().ConfigureAwait(false);
        // The decode loop must have stopped before its model and its slot are handed back.
        await _decoding.ContinueWith(static _ => { }, CancellationToken.None, TaskContinuationOptions.None, TaskScheduler.Default)
            .ConfigureAwait(false);
        _release();
        _activity?.Dispose();
        _stop.Dispose();
        _deadline.Dispose();
        _abandon.Dispose();
    }

    private async Task DecodeAsync(ModelLease lease, IReadOnlyList<int> promptIds, SamplingOptions sampling, long requestStarted,
        InferenceTelemetry telemetry)
    {
        Exception? failure = null;
        var engineStarted = Stopwatch.GetTimestamp();
        try
        {
            await foreach (var item in lease.Model.Generator.StreamAsync(promptIds, sampling, _stop.Token).ConfigureAwait(false))
            {
                var next = item;
                if (item is GenerationSummary summary)
                {
                    if (summary.FinishReason == FinishReason.Cancelled && _deadline.IsCancellationRequested)
                    {
                        // Out of time, not abandoned: the caller gets what was made, like max_tokens.
                        summary = summary with { FinishReason = FinishReason.Length };
                        next = summary;
                    }

                    // Recorded before it is written: a cancelled generation is counted too.
                    var queued = Stopwatch.GetElapsedTime(requestStarted, engineStarted);
                    telemetry.Finished(_activity, summary, queued + summary.TimeToFirstToken);
                }

                await _channel.Writer.WriteAsync(next, _abandon.Token).ConfigureAwait(false);
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
