using System.Diagnostics;
using System.Globalization;
using System.Net;
using FineTuneMesh.Mesh.Jobs;

namespace FineTuneMesh.Mesh.Tests;

/// <summary>Workers that die or are stopped mid-job lose nothing: another worker resumes from the stored checkpoint.</summary>
[Collection(FailureCollection.Name)]
public sealed class WorkerFailureTests(FailureMeshApp mesh)
{
    [Fact]
    public async Task WorkerKilledMidJob_AnotherWorkerResumesFromTheCheckpointAndFinishes()
    {
        var id = TinyJobs.NewId("kill");
        using var submitted = await mesh.Gateway.SubmitAsync(TinyJobs.LongJob(id, "kill-" + id[5..13]));
        Assert.Equal(HttpStatusCode.Accepted, submitted.StatusCode);
        var running = await mesh.Gateway.WaitForJobAsync(id, r => r.Status == JobStatus.Running && r.Progress is { Step: >= 45 });
        // A gRPC watch that started before the kill follows the job onto the next worker: resumed
        // from the last step seen when the trainer serving the stream was the one killed.
        var grpc = TrainingGrpcTests.Client(mesh, out var channel);
        using var _ = channel;
        var watching = TrainingGrpcTests.WatchToEndAsync(grpc, id);

        using (var worker = WorkerProcess(running))
        {
            worker.Kill();
            await worker.WaitForExitAsync();
        }

        var record = await mesh.Gateway.WaitForFinalAsync(id);
        Assert.True(record.Status == JobStatus.Succeeded, record.Error);
        Assert.Equal(2, record.Attempts);
        Assert.NotEqual(running.Worker, record.Worker);
        Assert.True(record.ResumedFromStep >= 40, $"resumed from step {record.ResumedFromStep}, expected the checkpoint at 40 or later");
        var (updates, _) = await watching;
        Assert.Equal("succeeded", updates[^1].Job.Status);
        Assert.Equal(2, updates[^1].Job.Attempts);
        Assert.Contains(updates, u => u.Job.HasResumedFromStep);

        // Watched again from the last step seen, only the record comes: nothing newer happened.
        Assert.Single(await TrainingGrpcTests.WatchAsync(grpc, id, afterStep: updates[^1].Job.Progress.Step));
    }

    [Fact]
    public async Task WorkerStoppedWithSigterm_CheckpointsRequeuesAndTheJobFinishesElsewhere()
    {
        var id = TinyJobs.NewId("term");
        using var submitted = await mesh.Gateway.SubmitAsync(TinyJobs.LongJob(id, "term-" + id[5..13]));
        var running = await mesh.Gateway.WaitForJobAsync(id, r => r.Status == JobStatus.Running && r.Progress is { Step: >= 5 });

        using (var worker = WorkerProcess(running))
        {
            using var kill = Process.Start("kill", ["-TERM", worker.Id.ToString(CultureInfo.InvariantCulture)]);
            await kill.WaitForExitAsync();
            using var exited = new CancellationTokenSource(TimeSpan.FromSeconds(30));
            await worker.WaitForExitAsync(exited.Token);
        }

        var record = await mesh.Gateway.WaitForFinalAsync(id);
        Assert.True(record.Status == JobStatus.Succeeded, record.Error);
        Assert.Equal(2, record.Attempts);
        // The shutdown checkpoint is the step it stopped at, not the last periodic one (every 20 steps).
        Assert.True(record.ResumedFromStep >= running.Progress!.Step, $"resumed from {record.ResumedFromStep}, stopped after {running.Progress.Step}");
    }

    internal static Process WorkerProcess(JobRecord record)
    {
        var worker = record.Worker ?? throw new InvalidOperationException($"job {record.Id} records no worker");
        return Process.GetProcessById(int.Parse(worker[(worker.LastIndexOf(':') + 1)..], CultureInfo.InvariantCulture));
    }
}
