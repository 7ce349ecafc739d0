using System.Text.Json;
using FineTuneMesh.Cli.Mesh;
using FineTuneMesh.Mesh;
using FineTuneMesh.Mesh.Jobs;
using Spectre.Console;

namespace FineTuneMesh.Cli.Commands.Mesh;

/// <summary>
/// Follows a training job in the mesh through its event stream, with the local <c>train</c>
/// command's progress display, until the job ends. A stream that breaks (a gateway restart, a
/// network blip) is opened again; the job's record says where it stands in between.
/// </summary>
public static class JobWatcher
{
    private static readonly TimeSpan _reconnectDelay = TimeSpan.FromSeconds(1);

    public static async Task<JobRecord> WatchAsync(MeshClient mesh, string jobId, CancellationToken cancellationToken)
    {
        JobRecord? final = null;
        var resumedShown = false;
        await AnsiConsole.Progress().Columns(new TaskDescriptionColumn(), new ProgressBarColumn(), new PercentageColumn(), new RemainingTimeColumn())
            .StartAsync(async display =>
            {
                var task = display.AddTask($"job {jobId}: waiting for its record");
                void ShowRecord(JobRecord record)
                {
                    if (record.ResumedFromStep is { } step && !resumedShown)
                    {
                        resumedShown = true;
                        AnsiConsole.MarkupLineInterpolated($"job {jobId} resumed from step {step} (attempt {record.Attempts})");
                    }

                    if (record.Progress is { } p)
                    {
                        ShowProgress(p);
                    }
                    else
                    {
                        task.Description = $"job {jobId}: {record.Status.ToString().ToLowerInvariant()}";
                    }
                }

                void ShowProgress(JobProgress p)
                {
                    task.MaxValue = Math.Max(1, p.TotalSteps);
                    task.Value = p.Step;
                    task.Description = p.Phase == JobProgress.EvaluatingPhase
                        ? $"evaluating the held-out records (training ended at step {p.Step}, loss {p.Loss:F4})"
                        : TrainingProgressText.Describe(p.Epoch, p.Step, p.TotalSteps, p.Loss, p.EvalLoss, p.TokensPerSecond);
                }

                while (final is null)
                {
                    try
                    {
                        await foreach (var item in mesh.EventsAsync(new HttpRequestMessage(HttpMethod.Get, $"api/train/jobs/{jobId}/events"), cancellationToken))
                        {
                            if (item.EventType == "record")
                            {
                                var record = Parse<JobRecord>(item.Data);
                                ShowRecord(record);
                                final = record.IsFinal ? record : null;
                            }
                            else if (Parse<JobEvent>(item.Data) is { } jobEvent)
                            {
                                if (jobEvent.Progress is { } progress)
                                {
                                    ShowProgress(progress);
                                }

                                if (jobEvent.Status is JobStatus.Succeeded or JobStatus.Failed or JobStatus.Cancelled)
                                {
                                    break;
                                }
                            }

                            if (final is not null)
                            {
                                break;
                            }
                        }
                    }
                    catch (Exception e) when (e is IOException or HttpRequestException || (e is MeshException mesh503 && mesh503.ExitCode == MeshExitCodes.Unavailable))
                    {
                        // The stream broke: the record below says where the job is, then we listen again.
                    }

                    var current = await mesh.GetAsync<JobRecord>($"api/train/jobs/{jobId}", cancellationToken);
                    ShowRecord(current);
                    if (current.IsFinal)
                    {
                        final = current;
                        if (current.Status == JobStatus.Succeeded)
                        {
                            task.Value = task.MaxValue;
                        }
                    }
                    else
                    {
                        await Task.Delay(_reconnectDelay, cancellationToken);
                    }
                }
            });

        return final!;
    }

    /// <summary>The job's outcome in one line, and the exit code it means.</summary>
    public static int Report(JobRecord record)
    {
        switch (record.Status)
        {
            case JobStatus.Succeeded:
                Console.WriteLine($"job {record.Id} succeeded: adapter {record.Adapter?.Name} version {record.Adapter?.Version} (loss {record.Progress?.Loss:F4})");
                return MeshExitCodes.Success;
            default:
                Console.Error.WriteLine($"job {record.Id} {record.Status.ToString().ToLowerInvariant()}{(record.Error is { } error ? $": {error}" : "")}");
                return MeshExitCodes.WorkFailed;
        }
    }

    private static T Parse<T>(string json) => JsonSerializer.Deserialize<T>(json, MeshJson.Options)!;
}
