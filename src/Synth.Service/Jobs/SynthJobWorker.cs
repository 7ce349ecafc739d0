using System.Diagnostics;
using FineTuneMesh.ServiceDefaults;
using FineTuneMesh.Synth.Service.Generation;
using FineTuneMesh.Synth.Service.Storage;
using FineTuneMesh.Synth.Service.Telemetry;
using Microsoft.Extensions.Options;

namespace FineTuneMesh.Synth.Service.Jobs;

/// <summary>
/// Runs queued jobs, <see cref="SynthOptions.MaxConcurrentJobs"/> at a time. Each job is a
/// <c>synth job</c> span parented on the request that created it; the dataset and report are stored
/// whatever the outcome, and a successful job with <c>train</c> is handed to the trainer. On
/// shutdown running jobs are cancelled (keeping what they accepted) and queued ones are marked cancelled.
/// </summary>
public sealed class SynthJobWorker(
    SynthJobQueue queue,
    SynthJobTracker tracker,
    SynthStore store,
    SynthesisRunner runner,
    IServiceProvider services,
    IOptions<SynthOptions> options,
    TimeProvider timeProvider,
    ILogger<SynthJobWorker> logger) : BackgroundService
{
    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        var workers = Enumerable.Range(0, Math.Max(1, options.Value.MaxConcurrentJobs)).Select(_ => WorkAsync(stoppingToken));
        await Task.WhenAll(workers);
    }

    public override async Task StopAsync(CancellationToken cancellationToken)
    {
        queue.Complete();
        await base.StopAsync(cancellationToken);
        while (queue.Reader.TryRead(out var left))
        {
            await FinishAsync(left.Spec.Id, SynthJobStatus.Cancelled, "the service stopped before the job started", CancellationToken.None);
        }
    }

    private async Task WorkAsync(CancellationToken stoppingToken)
    {
        try
        {
            await foreach (var queued in queue.Reader.ReadAllAsync(stoppingToken))
            {
                await RunAsync(queued, stoppingToken);
            }
        }
        catch (OperationCanceledException) when (stoppingToken.IsCancellationRequested)
        {
            // Shutting down; StopAsync marks what is left.
        }
    }

    private async Task RunAsync(QueuedJob queued, CancellationToken stoppingToken)
    {
        var spec = queued.Spec;
        var tracked = tracker.Find(spec.Id)!;
        using var activity = SynthTelemetry.ActivitySource.StartActivity("synth job", ActivityKind.Internal, queued.Parent);
        activity?.SetTag("synth.job.id", spec.Id);
        activity?.SetTag("synth.count", spec.Count);
        activity?.SetTag("gen_ai.system", spec.Provider.System);
        activity?.SetTag("gen_ai.request.model", spec.Provider.Model);
        using var cancellation = CancellationTokenSource.CreateLinkedTokenSource(stoppingToken, tracked.Cancellation.Token);
        try
        {
            if (tracked.Cancellation.IsCancellationRequested)
            {
                await FinishAsync(spec.Id, SynthJobStatus.Cancelled, "cancelled before it started", CancellationToken.None);
                return;
            }

            Log.JobStarted(logger, spec.Id, spec.Count, spec.Provider.Name, spec.Provider.Model);
            var running = tracker.Update(spec.Id, j => j with { Status = SynthJobStatus.Running, StartedAt = timeProvider.GetUtcNow() }, "status", "running");
            await store.SaveJobAsync(running, stoppingToken);

            var outcome = await runner.RunAsync(spec, progress => tracker.Update(spec.Id, j => With(j, progress), progress.Kind, progress.Message, progress.Entries),
                cancellation.Token);

            var records = spec.IncludeSeeds ? [.. spec.Seeds, .. outcome.Accepted] : outcome.Accepted.ToList();
            var dataset = await store.SaveDatasetAsync(spec.Id, DatasetJsonl.Write(spec.Template, records), CancellationToken.None);
            var report = await store.SaveReportAsync(outcome.Report, CancellationToken.None);
            tracker.Update(spec.Id, j => With(j, outcome.Progress) with { Dataset = dataset, Report = report, DatasetRecords = records.Count },
                "progress", $"stored {records.Count} records");

            var (status, reason) = outcome switch
            {
                { Cancelled: true } => (SynthJobStatus.Cancelled, stoppingToken.IsCancellationRequested ? "the service stopped" : "cancelled by request"),
                { StopReason: { } stop } => (SynthJobStatus.Failed, $"{stop}; {outcome.Accepted.Count} of {spec.Count} examples were accepted and stored"),
                _ => (SynthJobStatus.Succeeded, (string?)null),
            };
            if (reason is not null)
            {
                Log.JobStopped(logger, spec.Id, reason);
                activity?.SetStatus(ActivityStatusCode.Error, reason);
            }

            if (spec.Train is { } train)
            {
                await HandOffAsync(spec, train, dataset, succeeded: status == SynthJobStatus.Succeeded, stoppingToken);
            }

            await FinishAsync(spec.Id, status, reason, CancellationToken.None);
        }
        catch (Exception e) when (e is not OperationCanceledException || !stoppingToken.IsCancellationRequested)
        {
            Log.JobFailed(logger, e, spec.Id);
            activity?.SetStatus(ActivityStatusCode.Error, e.Message);
            await FinishAsync(spec.Id, SynthJobStatus.Failed, $"internal error: {e.Message}", CancellationToken.None);
        }
        catch (OperationCanceledException)
        {
            await FinishAsync(spec.Id, SynthJobStatus.Cancelled, "the service stopped", CancellationToken.None);
        }
    }

    private async Task HandOffAsync(SynthJobSpec spec, TrainHandoffRequest train, ArtifactRef dataset, bool succeeded, CancellationToken cancellationToken)
    {
        if (!succeeded)
        {
            tracker.Update(spec.Id, j => j with { Training = new TrainingHandoffState(train.AdapterName!, "skipped", Error: "synthesis did not succeed") },
                "handoff", "hand-off skipped: synthesis did not succeed");
            return;
        }

        try
        {
            var client = services.GetRequiredService<TrainingHandoffClient>();
            var jobId = await client.SubmitAsync(spec.Id, train, dataset.Key, spec.Template.Text, cancellationToken);
            Log.HandedOff(logger, spec.Id, jobId);
            tracker.Update(spec.Id, j => j with { Training = new TrainingHandoffState(train.AdapterName!, "submitted", jobId) },
                "handoff", $"training job {jobId} submitted");
        }
        catch (Exception e) when (e is HttpRequestException or InvalidDataException or System.Text.Json.JsonException or TaskCanceledException)
        {
            Log.HandOffFailed(logger, spec.Id, e.Message);
            tracker.Update(spec.Id, j => j with { Training = new TrainingHandoffState(train.AdapterName!, "failed", Error: e.Message) },
                "handoff", $"hand-off failed: {e.Message}");
        }
    }

    private async Task FinishAsync(string id, SynthJobStatus status, string? error, CancellationToken cancellationToken)
    {
        error = error is null ? null : ServerPaths.Redact(error);
        var finished = tracker.Update(id, j => j with { Status = status, Error = error ?? j.Error, FinishedAt = timeProvider.GetUtcNow() },
            "status", error is null ? status.ToString().ToLowerInvariant() : $"{status.ToString().ToLowerInvariant()}: {error}");
        SynthTelemetry.Jobs.Add(1, new KeyValuePair<string, object?>("status", status.ToString()));
        Log.JobFinished(logger, id, status.ToString(), finished.Accepted, finished.Rejected, finished.Requests, finished.InputTokens + finished.OutputTokens);
        await store.SaveJobAsync(finished, cancellationToken);
    }

    private static SynthJob With(SynthJob job, SynthProgress progress) => job with
    {
        Batches = progress.Batch,
        Accepted = progress.Accepted,
        Rejected = progress.Rejected,
        Requests = progress.Requests,
        InputTokens = progress.InputTokens,
        OutputTokens = progress.OutputTokens,
    };
}
