using System.Diagnostics;
using FineTuneMesh.Core.Training;
using FineTuneMesh.Mesh.Jobs;
using FineTuneMesh.Messaging;
using FineTuneMesh.Storage;
using FineTuneMesh.Trainer.Worker.Telemetry;

namespace FineTuneMesh.Trainer.Worker.Worker;

/// <summary>
/// Follows one job attempt on the training thread: records metrics, opens a span per epoch under
/// the job's span, uploads each checkpoint as soon as the trainer writes it, and refreshes the job
/// record (at most every <c>refreshInterval</c>) and the live progress events (twice a second, and on evaluations).
/// </summary>
public sealed class JobProgressTracker(JobRecord record, JobStore jobs, MeshPublisher publisher, CheckpointStore checkpoints,
    TimeSpan refreshInterval, ILogger logger) : IProgress<TrainingProgress>, IDisposable
{
    private static readonly TimeSpan _bookkeepingTimeout = TimeSpan.FromSeconds(30);
    private readonly ActivityContext _jobContext = Activity.Current?.Context ?? default;
    private static readonly TimeSpan _eventInterval = TimeSpan.FromMilliseconds(500);
    private readonly Stopwatch _sinceRefresh = Stopwatch.StartNew();
    private readonly Stopwatch _sinceEvent = Stopwatch.StartNew();
    private Activity? _epoch;
    private int _epochNumber = -1;

    /// <summary>The record as this attempt last knew it, progress included.</summary>
    public JobRecord Current { get; private set; } = record;

    public int LastStep { get; private set; }

    public string? CheckpointFolder { get; set; }

    public void TrainsOn(string baseModel, ComputeChoice compute) => Current = Current with { BaseModelUsed = baseModel, Compute = compute };

    public async Task ResumedAsync(int step, CancellationToken cancellationToken)
    {
        Current = Current with { ResumedFromStep = step };
        LastStep = step;
        await jobs.SaveAsync(Current, cancellationToken);
    }

    public void Report(TrainingProgress value)
    {
        LastStep = value.Step;
        var tags = new TagList { { "finetunemesh.job.id", Current.Id }, { "finetunemesh.adapter", Current.Spec.AdapterName } };
        TrainerTelemetry.Loss.Record(value.Loss, tags);
        TrainerTelemetry.TokensPerSecond.Record(value.TokensPerSecond, tags);
        if (value.EvalLoss is { } evalLoss)
        {
            TrainerTelemetry.EvalLoss.Record(evalLoss, tags);
        }

        if (value.Epoch != _epochNumber)
        {
            _epoch?.Dispose();
            _epochNumber = value.Epoch;
            _epoch = TrainerTelemetry.Source.StartActivity("training epoch", ActivityKind.Internal, _jobContext);
            _epoch?.SetTag("finetunemesh.job.id", Current.Id);
            _epoch?.SetTag("finetunemesh.training.epoch", value.Epoch);
        }

        _epoch?.SetTag("finetunemesh.training.loss", value.Loss);
        if (value.CheckpointSaved && CheckpointFolder is not null)
        {
            using var upload = TrainerTelemetry.Source.StartActivity("checkpoint upload", ActivityKind.Internal, _epoch?.Context ?? _jobContext);
            upload?.SetTag("finetunemesh.training.step", value.Step);
            BestEffort(token => checkpoints.UploadAsync(Current.Id, value.Step, CheckpointFolder, token));
        }

        var progress = new JobProgress(value.Step, value.TotalSteps, value.Epoch, value.Loss, value.EvalLoss ?? Current.Progress?.EvalLoss,
            value.TokensPerSecond, value.Remaining.TotalSeconds);
        Current = Current with { Progress = progress };
        var final = value.Step == value.TotalSteps;
        if (_sinceRefresh.Elapsed >= refreshInterval || final)
        {
            // The record is throttled (every write is a PUT); events are cheap, and every evaluation gets one.
            _sinceRefresh.Restart();
            BestEffort(token => jobs.SaveAsync(Current, token));
        }

        if (_sinceEvent.Elapsed >= _eventInterval || value.EvalLoss is not null || final)
        {
            _sinceEvent.Restart();
            BestEffort(token => publisher.PublishEventAsync(new JobEvent { JobId = Current.Id, Kind = JobEvent.ProgressKind, Progress = progress }, token));
        }
    }

    /// <summary>Training is over and the held-out records are being answered: the record and the watchers hear so.</summary>
    public void Evaluating()
    {
        if (Current.Progress is not { } last)
        {
            return;
        }

        var progress = last with { Phase = JobProgress.EvaluatingPhase, EtaSeconds = 0 };
        Current = Current with { Progress = progress };
        BestEffort(token => jobs.SaveAsync(Current, token));
        BestEffort(token => publisher.PublishEventAsync(new JobEvent { JobId = Current.Id, Kind = JobEvent.ProgressKind, Progress = progress }, token));
    }

    public void Dispose() => _epoch?.Dispose();

    /// <summary>
    /// Progress, records and checkpoint copies must never stop training: a storage or broker hiccup
    /// is logged and skipped (the next refresh or checkpoint tries again), and nothing waits forever.
    /// </summary>
    private void BestEffort(Func<CancellationToken, Task> action)
    {
        using var timeout = new CancellationTokenSource(_bookkeepingTimeout);
        try
        {
            action(timeout.Token).GetAwaiter().GetResult();
        }
        catch (Exception e)
        {
            Log.BookkeepingFailed(logger, e.Message);
        }
    }
}
