using System.ClientModel;
using System.Net;
using System.Net.Http.Json;
using System.Text;
using System.Text.Json.Nodes;
using Aspire.Hosting.Testing;
using FineTuneMesh.Inference.V1;
using FineTuneMesh.Mesh.Adapters;
using FineTuneMesh.Mesh.Jobs;
using FineTuneMesh.Mesh.Sweeps;
using Grpc.Net.Client;
using OpenAI;
using OpenAI.Chat;

namespace FineTuneMesh.Mesh.Tests;

/// <summary>
/// Sweeps in the real mesh: trials are ordinary jobs spread over both workers, each scored on its
/// held-out records, ranked adherence first, then eval loss, then time; a learning rate that
/// diverges ranks last. Bad sweeps are refused with every reason and queue nothing.
/// </summary>
[Collection(MeshCollection.Name)]
public sealed class SweepTests(MeshApp mesh)
{
    [Fact]
    public async Task ASweepOverLearningRateAndEpochs_RanksADivergingRateLast_AndAGoodOneFirst()
    {
        var id = TinyJobs.NewId("sweep");
        var sweep = Sweep(id, new JsonObject
        {
            ["learningRate"] = new JsonObject { ["values"] = new JsonArray(0.02, 0.05, 1.0) },
            ["epochs"] = new JsonObject { ["values"] = new JsonArray(2, 4) },
        });

        using var submitted = await mesh.Gateway.PostAsync("/api/train/sweeps", Json(sweep));
        Assert.True(submitted.StatusCode == HttpStatusCode.Accepted, await submitted.Content.ReadAsStringAsync());
        var view = await WaitForEndAsync(id);

        Assert.Equal(6, view.Trials);
        Assert.Equal(JobStatus.Succeeded, view.Status);
        var workers = new HashSet<string>();
        foreach (var standing in view.Leaderboard)
        {
            var record = await mesh.Gateway.GetJobAsync(standing.JobId);
            Assert.Equal(id, record!.Spec.SweepId);
            Assert.Equal(1, record.Attempts);
            if (record.Worker is { } worker)
            {
                workers.Add(worker);
            }
        }

        Assert.True(workers.Count == 2, $"the trials ran on {workers.Count} worker(s)");
        var diverging = view.Leaderboard.Where(s => s.Settings.LearningRate == 1.0).Select(s => s.Rank).ToList();
        Assert.Equal([5, 6], diverging.Order());
        var leader = view.Leaderboard[0];
        Assert.Equal(JobStatus.Succeeded, leader.Status);
        Assert.NotEqual(1.0, leader.Settings.LearningRate);
        Assert.NotNull(leader.Adapter);
        Assert.NotNull(leader.AdherenceRate);
        Assert.All(view.Leaderboard.Where(s => s.Status == JobStatus.Succeeded && s.AdherenceRate == leader.AdherenceRate),
            s => Assert.True(leader.EvalLoss <= (double.IsFinite(s.EvalLoss ?? double.NaN) ? s.EvalLoss : double.MaxValue)));

        // The winner promoted to an alias is served under it over gRPC and the OpenAI API; rolled
        // back, the alias serves the other version at once, with no restart.
        var name = leader.Adapter.Name;
        var other = view.Leaderboard.First(s => s.Status == JobStatus.Succeeded && s.Adapter!.Version != leader.Adapter.Version).Adapter!.Version;
        await PromoteAsync(name, "production", leader.Adapter.Version, previous: null);
        var models = await mesh.Gateway.GetFromJsonAsync<JsonObject>("/v1/models");
        Assert.Contains($"{name}:production", models!["data"]!.AsArray().Select(m => m!["id"]!.GetValue<string>()));
        using var channel = GrpcChannel.ForAddress(mesh.App.GetEndpoint("gateway", "grpc"));
        var grpc = new Inference.V1.Inference.InferenceClient(channel);
        Assert.Equal(await GenerateAsync(grpc, $"{name}:v{leader.Adapter.Version}"), await GenerateAsync(grpc, $"{name}:production"));
        Assert.Equal(await CompleteAsync($"{name}:v{leader.Adapter.Version}"), await CompleteAsync($"{name}:production"));

        Assert.NotEqual(await GenerateAsync(grpc, $"{name}:v{leader.Adapter.Version}"), await GenerateAsync(grpc, $"{name}:v{other}"));

        // A stream that started on the alias finishes on the version it started with, though the alias moves meanwhile.
        var expected = await GenerateAsync(grpc, $"{name}:v{leader.Adapter.Version}", maxTokens: 120);
        using var streaming = grpc.Generate(Request($"{name}:production", maxTokens: 120));
        var streamed = new StringBuilder();
        Assert.True(await streaming.ResponseStream.MoveNext(CancellationToken.None));
        streamed.Append(streaming.ResponseStream.Current.Delta?.Text);
        await PromoteAsync(name, "production", other, previous: leader.Adapter.Version);
        while (await streaming.ResponseStream.MoveNext(CancellationToken.None))
        {
            streamed.Append(streaming.ResponseStream.Current.Delta?.Text);
        }

        Assert.Equal(expected, streamed.ToString());
        Assert.Equal(await GenerateAsync(grpc, $"{name}:v{other}"), await GenerateAsync(grpc, $"{name}:production"));
        Assert.Equal(await CompleteAsync($"{name}:v{other}"), await CompleteAsync($"{name}:production"));

        using var noVersion = await mesh.Gateway.PutAsJsonAsync($"/api/train/adapters/{name}/aliases/production", new { version = 99 });
        Assert.Equal(HttpStatusCode.NotFound, noVersion.StatusCode);
        Assert.Contains("no version 99", await noVersion.Content.ReadAsStringAsync());
        using var badAlias = await mesh.Gateway.PutAsJsonAsync($"/api/train/adapters/{name}/aliases/v2", new { version = 1 });
        Assert.Equal(HttpStatusCode.BadRequest, badAlias.StatusCode);
        var aliases = await mesh.Gateway.GetFromJsonAsync<JsonObject>($"/api/train/adapters/{name}/aliases");
        Assert.Equal(other, aliases!["aliases"]!.AsArray().Single()!["version"]!.GetValue<int>());
        var unknown = await Assert.ThrowsAsync<Grpc.Core.RpcException>(() => GenerateAsync(grpc, $"{name}:staging"));
        Assert.Equal(Grpc.Core.StatusCode.NotFound, unknown.StatusCode);

        // The same sweep again trains nothing more; another sweep with this id is a conflict.
        using var again = await mesh.Gateway.PostAsync("/api/train/sweeps", Json(sweep));
        Assert.Equal(HttpStatusCode.OK, again.StatusCode);
        sweep["maxTrials"] = 7;
        using var conflict = await mesh.Gateway.PostAsync("/api/train/sweeps", Json(sweep));
        Assert.Equal(HttpStatusCode.Conflict, conflict.StatusCode);
    }

    [Theory]
    [InlineData("an empty space", "{}", "the search space is empty")]
    [InlineData("an inverted range", """{"learningRate": {"min": 0.1, "max": 0.001}}""", "inverted")]
    [InlineData("a grid over the budget", """{"learningRate": {"min": 0.001, "max": 0.1, "steps": 40}}""", "over the trial budget")]
    [InlineData("a value that is not a number of epochs", """{"epochs": {"values": [1.5]}}""", "not a positive whole number")]
    public async Task ABadSpace_Is400WithTheReason_AndQueuesNothing(string what, string space, string expected)
    {
        var id = TinyJobs.NewId("badsweep");
        using var response = await mesh.Gateway.PostAsync("/api/train/sweeps", Json(Sweep(id, JsonNode.Parse(space)!.AsObject())));

        Assert.True(response.StatusCode == HttpStatusCode.BadRequest, what);
        Assert.Contains(expected, await response.Content.ReadAsStringAsync());
        Assert.Null(await mesh.Gateway.GetJobAsync($"{id}-t0"));
        Assert.Equal(HttpStatusCode.NotFound, (await mesh.Gateway.GetAsync($"/api/train/sweeps/{id}")).StatusCode);
    }

    [Fact]
    public async Task ATrialBudgetOverTheCap_AndAHeldOutSplitWithNoRecords_Are400()
    {
        var overCap = Sweep(TinyJobs.NewId("capsweep"), new JsonObject { ["learningRate"] = new JsonObject { ["min"] = 0.001, ["max"] = 0.1 } });
        overCap["sampling"] = "random";
        overCap["maxTrials"] = 1000;
        using var cap = await mesh.Gateway.PostAsync("/api/train/sweeps", Json(overCap));
        Assert.Equal(HttpStatusCode.BadRequest, cap.StatusCode);
        Assert.Contains("over this mesh's cap", await cap.Content.ReadAsStringAsync());

        var noHeldOut = Sweep(TinyJobs.NewId("hosweep"), new JsonObject { ["epochs"] = new JsonObject { ["values"] = new JsonArray(1, 2) } });
        noHeldOut["job"]!["dataset"] = new JsonObject { ["records"] = TinyJobs.Records(4) };
        using var heldOut = await mesh.Gateway.PostAsync("/api/train/sweeps", Json(noHeldOut));
        Assert.Equal(HttpStatusCode.BadRequest, heldOut.StatusCode);
        Assert.Contains("held-out split is empty", await heldOut.Content.ReadAsStringAsync());
    }

    private static JsonObject Sweep(string id, JsonObject space)
    {
        var job = TinyJobs.Job("unused", "swept-" + id[^8..], epochs: 2);
        job.Remove("id");
        job["dataset"] = new JsonObject { ["records"] = TinyJobs.Records(12) };
        job["training"]!["evalFraction"] = 0.25;
        job["evaluation"] = new JsonObject { ["maxTokens"] = 12 };
        return new JsonObject { ["id"] = id, ["job"] = job, ["space"] = space };
    }

    private async Task<SweepView> WaitForEndAsync(string id)
    {
        var deadline = DateTime.UtcNow + TimeSpan.FromMinutes(4);
        SweepView? view = null;
        while (DateTime.UtcNow < deadline)
        {
            view = await mesh.Gateway.GetFromJsonAsync<SweepView>($"/api/train/sweeps/{id}", MeshJson.Options);
            if (view!.Status is JobStatus.Succeeded or JobStatus.Failed or JobStatus.Cancelled)
            {
                return view;
            }

            await Task.Delay(500);
        }

        throw new TimeoutException($"sweep {id} did not end: {System.Text.Json.JsonSerializer.Serialize(view, MeshJson.Options)}");
    }

    private async Task PromoteAsync(string name, string alias, int version, int? previous)
    {
        using var response = await mesh.Gateway.PutAsJsonAsync($"/api/train/adapters/{name}/aliases/{alias}", new { version });
        Assert.True(response.StatusCode == HttpStatusCode.OK, await response.Content.ReadAsStringAsync());
        var moved = await response.Content.ReadFromJsonAsync<AdapterAlias>(MeshJson.Options);
        Assert.Equal((version, previous), (moved!.Version, moved.PreviousVersion));
    }

    private static GenerateRequest Request(string model, int maxTokens) => new()
    {
        Prompt = "Q: What is 2 plus 1?\nA: ",
        Adapter = model,
        Sampling = new SamplingParams { Temperature = 0, MaxTokens = maxTokens },
    };

    private static async Task<string> GenerateAsync(Inference.V1.Inference.InferenceClient grpc, string model, int maxTokens = 10)
    {
        using var call = grpc.Generate(Request(model, maxTokens));
        var text = new StringBuilder();
        while (await call.ResponseStream.MoveNext(CancellationToken.None))
        {
            if (call.ResponseStream.Current.FrameCase == GenerateResponse.FrameOneofCase.Delta)
            {
                text.Append(call.ResponseStream.Current.Delta.Text);
            }
        }

        return text.ToString();
    }

    private async Task<string> CompleteAsync(string model)
    {
        var openAi = new OpenAIClient(new ApiKeyCredential("unused"), new OpenAIClientOptions { Endpoint = new Uri(mesh.Gateway.BaseAddress!, "/v1") });
        var completion = await openAi.GetChatClient(model).CompleteChatAsync([new UserChatMessage("What is 2 plus 1?")],
            new ChatCompletionOptions { Temperature = 0, MaxOutputTokenCount = 10 });
        return completion.Value.Content[0].Text;
    }

    private static StringContent Json(JsonObject body) => new(body.ToJsonString(), System.Text.Encoding.UTF8, "application/json");
}
