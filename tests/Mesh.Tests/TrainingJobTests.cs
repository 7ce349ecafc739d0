using System.Net;
using System.Net.Http.Json;
using System.Security.Cryptography;
using FineTuneMesh.Core;
using FineTuneMesh.Core.Lora;
using FineTuneMesh.Mesh.Adapters;
using FineTuneMesh.Mesh.Jobs;
using FineTuneMesh.BaseModels;
using FineTuneMesh.Storage;
using static TorchSharp.torch;

namespace FineTuneMesh.Mesh.Tests;

/// <summary>Jobs submitted through the gateway, trained by the workers, published to object storage.</summary>
[Collection(MeshCollection.Name)]
public sealed class TrainingJobTests(MeshApp mesh)
{
    [Fact]
    public async Task JobThroughTheGateway_SucceedsWithALoadableVerifiedAdapterInStorage()
    {
        var id = TinyJobs.NewId("gw");
        using var response = await mesh.Gateway.SubmitAsync(TinyJobs.Job(id, "adder-" + id[3..11]));
        Assert.Equal(HttpStatusCode.Accepted, response.StatusCode);
        Assert.Equal($"/api/train/jobs/{id}", response.Headers.Location?.OriginalString);

        var record = await mesh.Gateway.WaitForFinalAsync(id);
        Assert.True(record.Status == JobStatus.Succeeded, record.Error);
        Assert.NotNull(record.Adapter);
        Assert.Equal(1, record.Adapter.Version);
        Assert.True(record.Progress!.Loss < 6, $"loss {record.Progress.Loss} did not come down");

        // One trace from the REST call through the queue into the worker's training span.
        Assert.NotNull(record.TraceId);
        Assert.Equal(record.TraceId, record.TrainingTraceId);

        // Read the files straight from the S3 server and check every byte against the manifest ourselves.
        var manifest = await mesh.Store.GetJsonAsync<AdapterManifest>(MeshBuckets.Adapters, $"{record.Adapter.Name}/v1/manifest.json");
        Assert.NotNull(manifest);
        Assert.Equal(id, manifest.JobId);
        Assert.Equal(BuiltinModels.Tiny, manifest.BaseModel);
        Assert.Contains(manifest.Files, f => f.Name == "loss.svg");
        var folder = Path.Combine(mesh.DataDirectory, "downloads", id);
        Directory.CreateDirectory(folder);
        foreach (var file in manifest.Files)
        {
            var bytes = await mesh.Store.GetBytesAsync(MeshBuckets.Adapters, manifest.Prefix + file.Name);
            Assert.NotNull(bytes);
            Assert.Equal(file.Sha256, Convert.ToHexStringLower(SHA256.HashData(bytes)));
            Assert.Equal(file.Size, bytes.Length);
            await File.WriteAllBytesAsync(Path.Combine(folder, file.Name), bytes);
        }

        Assert.Equal(record.Adapter.WeightsSha256, manifest.Files.Single(f => f.Name == AdapterFiles.WeightsFileName).Sha256);

        // The real loader takes it, and it changes what the model says.
        using var model = LanguageModel.Load(BuiltinModels.EnsureTiny(mesh.ModelCache));
        using var prompt = tensor(model.Tokenizer.Encode("Q: What is 1 plus 2?\nA:").Select(t => (long)t).ToArray()).unsqueeze(0);
        using var noGrad = no_grad();
        using var before = model.Network.Forward(prompt);
        var adapters = AdapterFiles.Load(folder, model.Network);
        Assert.Equal(2 * model.Config.NumHiddenLayers, adapters.Count);
        using var after = model.Network.Forward(prompt);
        Assert.True((after - before).abs().max().item<float>() > 1e-3f, "the adapter did not change the logits");
    }

    [Fact]
    public async Task SameJobSubmittedTwice_TrainsOnce()
    {
        var id = TinyJobs.NewId("dup");
        var adapter = "dup-" + id[4..12];
        var job = TinyJobs.Job(id, adapter);
        using var first = await mesh.Gateway.SubmitAsync(job);
        using var second = await mesh.Gateway.SubmitAsync(job);
        Assert.Equal(HttpStatusCode.Accepted, first.StatusCode);
        Assert.Equal(HttpStatusCode.OK, second.StatusCode);

        var record = await mesh.Gateway.WaitForFinalAsync(id);
        Assert.Equal(JobStatus.Succeeded, record.Status);
        using var third = await mesh.Gateway.SubmitAsync(job);
        Assert.Equal(HttpStatusCode.OK, third.StatusCode);

        var versions = await new AdapterCatalog(mesh.Store).VersionsAsync(adapter);
        Assert.Equal([1], versions);
        Assert.Equal(1, (await mesh.Gateway.GetJobAsync(id))!.Attempts);

        // Same id, different job: refused, not merged.
        job["training"]!["epochs"] = 9;
        using var conflict = await mesh.Gateway.SubmitAsync(job);
        Assert.Equal(HttpStatusCode.Conflict, conflict.StatusCode);
    }

    [Fact]
    public async Task ProgressStream_ShowsStepsLossAndTheEnd()
    {
        var id = TinyJobs.NewId("sse");
        // Long enough that the stream is open while it trains, even on a busy machine.
        using var submitted = await mesh.Gateway.SubmitAsync(TinyJobs.LongJob(id, "sse-" + id[4..12]));
        Assert.Equal(HttpStatusCode.Accepted, submitted.StatusCode);

        using var request = new HttpRequestMessage(HttpMethod.Get, $"/api/train/jobs/{id}/events");
        using var response = await mesh.Gateway.SendAsync(request, HttpCompletionOption.ResponseHeadersRead);
        Assert.Equal("text/event-stream", response.Content.Headers.ContentType?.MediaType);
        using var reader = new StreamReader(await response.Content.ReadAsStreamAsync());
        var events = new List<(string Name, string Data)>();
        string? name = null;
        while (await reader.ReadLineAsync() is { } line)
        {
            if (line.StartsWith("event: ", StringComparison.Ordinal))
            {
                name = line[7..];
            }
            else if (line.StartsWith("data: ", StringComparison.Ordinal))
            {
                events.Add((name!, line[6..]));
            }
        }

        Assert.Equal("record", events[0].Name);
        Assert.Equal("succeeded", events[^1].Name);
        var progress = events.Where(e => e.Name == "progress")
            .Select(e => System.Text.Json.JsonSerializer.Deserialize<JobEvent>(e.Data, MeshJson.Options)!.Progress!).ToList();
        Assert.NotEmpty(progress);
        Assert.All(progress, p => Assert.True(p.Loss > 0 && p.TokensPerSecond > 0 && p.TotalSteps > 0));
        Assert.Contains(progress, p => p.EvalLoss is not null);
    }

    [Fact]
    public async Task CancellingARunningJob_StopsItPromptly()
    {
        var id = TinyJobs.NewId("cancel");
        using var submitted = await mesh.Gateway.SubmitAsync(TinyJobs.LongJob(id, "cancel-" + id[7..15]));
        await mesh.Gateway.WaitForJobAsync(id, r => r.Status == JobStatus.Running && r.Progress is { Step: > 0 });

        var clock = System.Diagnostics.Stopwatch.StartNew();
        using var cancel = await mesh.Gateway.DeleteAsync($"/api/train/jobs/{id}");
        Assert.Equal(HttpStatusCode.Accepted, cancel.StatusCode);
        var record = await mesh.Gateway.WaitForFinalAsync(id, TimeSpan.FromSeconds(30));
        Assert.Equal(JobStatus.Cancelled, record.Status);
        Assert.True(record.Progress!.Step < record.Progress.TotalSteps);
        Assert.True(clock.Elapsed < TimeSpan.FromSeconds(20), $"cancel took {clock.Elapsed}");
        Assert.Null(await new AdapterCatalog(mesh.Store).GetAsync("cancel-" + id[7..15]));

        using var again = await mesh.Gateway.DeleteAsync($"/api/train/jobs/{id}");
        Assert.Equal(HttpStatusCode.Conflict, again.StatusCode);
    }

    [Fact]
    public async Task TwoJobs_RunAtTheSameTimeOnTwoWorkers()
    {
        var ids = new[] { TinyJobs.NewId("par"), TinyJobs.NewId("par") };
        foreach (var id in ids)
        {
            using var submitted = await mesh.Gateway.SubmitAsync(TinyJobs.Job(id, "par-" + id[4..12], epochs: 60, batchSize: 1));
            Assert.Equal(HttpStatusCode.Accepted, submitted.StatusCode);
        }

        // Both running at one moment, each on its own worker process.
        var deadline = DateTime.UtcNow + TimeSpan.FromMinutes(2);
        var overlapped = false;
        while (!overlapped && DateTime.UtcNow < deadline)
        {
            var records = await Task.WhenAll(ids.Select(mesh.Gateway.GetJobAsync));
            overlapped = records.All(r => r?.Status == JobStatus.Running) && records[0]!.Worker != records[1]!.Worker;
            if (records.Any(r => r?.IsFinal == true))
            {
                break;
            }

            await Task.Delay(100);
        }

        Assert.True(overlapped, "the two jobs never ran at the same time on different workers");
        foreach (var id in ids)
        {
            Assert.Equal(JobStatus.Succeeded, (await mesh.Gateway.WaitForFinalAsync(id)).Status);
        }
    }

    [Fact]
    public async Task JobsList_AndAdapterVersionsAreServed()
    {
        var id = TinyJobs.NewId("list");
        var adapter = "list-" + id[5..13];
        using (await mesh.Gateway.SubmitAsync(TinyJobs.Job(id, adapter, epochs: 1)))
        {
        }

        await mesh.Gateway.WaitForFinalAsync(id);
        var second = TinyJobs.NewId("list");
        using (await mesh.Gateway.SubmitAsync(TinyJobs.Job(second, adapter, epochs: 2)))
        {
        }

        Assert.Equal(JobStatus.Succeeded, (await mesh.Gateway.WaitForFinalAsync(second)).Status);

        var listed = await mesh.Gateway.GetFromJsonAsync<JobList>("/api/train/jobs?limit=200", MeshJson.Options);
        Assert.Contains(listed!.Jobs, j => j.Id == id);
        Assert.Contains(listed.Jobs, j => j.Id == second);

        var versions = await new AdapterCatalog(mesh.Store).VersionsAsync(adapter);
        Assert.Equal([1, 2], versions);
        using var file = await mesh.Gateway.GetAsync($"/api/train/adapters/{adapter}/versions/2/files/adapter_config.json");
        Assert.Equal(HttpStatusCode.OK, file.StatusCode);
        var config = await file.Content.ReadAsStringAsync();
        Assert.Contains("builtin/tiny", config);
    }

    private sealed record JobList(IReadOnlyList<JobRecord> Jobs);
}
