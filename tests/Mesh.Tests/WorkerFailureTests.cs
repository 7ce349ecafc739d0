using System.Diagnostics;
using System.Globalization;
using System.Net;
using System.Net.Http.Json;
using System.Text.Json.Nodes;
using FineTuneMesh.Mesh.Jobs;
using FineTuneMesh.Mesh.Sweeps;

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
        // A gRPC WatchJob that started before the kill follows the job onto the next worker.
        var grpc = TrainingGrpcTests.Client(mesh, out var channel);
        using var _ = channel;
        var watching = TrainingGrpcTests.WatchAsync(grpc, id);

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
        var updates = await watching;
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

    [Fact]
    public async Task WorkerKilledDuringASweep_TheSweepStillFinishes_WithNoTrialLostOrRunTwice()
    {
        var id = TinyJobs.NewId("killsweep");
        var adapter = "ks-" + id[^8..];
        var job = TinyJobs.Job("unused", adapter, epochs: 40, batchSize: 1, checkpointEvery: 10);
        job.Remove("id");
        job["dataset"] = new JsonObject { ["records"] = TinyJobs.Records(12) };
        job["training"]!["evalFraction"] = 0.25;
        job["evaluation"] = new JsonObject { ["maxTokens"] = 8 };
        var sweep = new JsonObject
        {
            ["id"] = id,
            ["job"] = job,
            ["space"] = new JsonObject { ["learningRate"] = new JsonObject { ["values"] = new JsonArray(0.005, 0.01, 0.02) } },
            ["earlyStopping"] = new JsonObject { ["enabled"] = false },
        };
        using var submitted = await mesh.Gateway.PostAsync("/api/train/sweeps",
            new StringContent(sweep.ToJsonString(), System.Text.Encoding.UTF8, "application/json"));
        Assert.Equal(HttpStatusCode.Accepted, submitted.StatusCode);

        var trials = Enumerable.Range(0, 3).Select(i => $"{id}-t{i}").ToList();
        JobRecord? running = null;
        var deadline = DateTime.UtcNow + TimeSpan.FromMinutes(2);
        while (running is null && DateTime.UtcNow < deadline)
        {
            foreach (var trial in trials)
            {
                if (await mesh.Gateway.GetJobAsync(trial) is { Status: JobStatus.Running, Progress.Step: >= 15 } record)
                {
                    running = record;
                    break;
                }
            }

            await Task.Delay(100);
        }

        Assert.NotNull(running);
        using (var worker = WorkerProcess(running))
        {
            worker.Kill();
            await worker.WaitForExitAsync();
        }

        var final = await mesh.Gateway.WaitForJobAsync(running.Id, r => r.IsFinal);
        Assert.True(final.Status == JobStatus.Succeeded, final.Error);
        Assert.Equal(2, final.Attempts);
        foreach (var trial in trials)
        {
            Assert.Equal(JobStatus.Succeeded, (await mesh.Gateway.WaitForFinalAsync(trial)).Status);
        }

        var view = await mesh.Gateway.GetFromJsonAsync<SweepView>($"/api/train/sweeps/{id}", MeshJson.Options);
        Assert.Equal(JobStatus.Succeeded, view!.Status);
        Assert.Equal(3, view.Leaderboard.Count(s => s.Status == JobStatus.Succeeded));
        // One adapter version a trial: none lost, none trained twice.
        var versions = await mesh.Gateway.GetFromJsonAsync<JsonObject>($"/api/train/adapters/{adapter}");
        Assert.Equal(3, versions!["versions"]!.AsArray().Count);
        Assert.Equal(3, view.Leaderboard.Select(s => s.Adapter!.Version).Distinct().Count());
    }

    private static Process WorkerProcess(JobRecord record)
    {
        var worker = record.Worker ?? throw new InvalidOperationException($"job {record.Id} records no worker");
        return Process.GetProcessById(int.Parse(worker[(worker.LastIndexOf(':') + 1)..], CultureInfo.InvariantCulture));
    }
}
