using System.Net;
using System.Net.Http.Json;
using System.Text.Json.Nodes;
using FineTuneMesh.Mesh.Jobs;
using FineTuneMesh.Mesh.Sweeps;

namespace FineTuneMesh.Mesh.Tests;

/// <summary>A sweep that loses a worker mid-trial still finishes: trials are ordinary jobs, resumed elsewhere.</summary>
[Collection(SweepFailureCollection.Name)]
public sealed class SweepFailureTests(FailureMeshApp mesh)
{
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
        using (var worker = WorkerFailureTests.WorkerProcess(running))
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

}
