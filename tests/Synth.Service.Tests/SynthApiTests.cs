using System.Net;
using System.Net.Http.Json;
using System.Text;
using System.Text.Json;
using FineTuneMesh.Core.Tokenization;
using FineTuneMesh.Core.Training;
using FineTuneMesh.Mesh;
using FineTuneMesh.Mesh.Jobs;
using FineTuneMesh.Synth.Service.Jobs;
using FineTuneMesh.Synth.Service.Tests.Loopback;

namespace FineTuneMesh.Synth.Service.Tests;

/// <summary>The REST API end to end: validation, a job against the loopback OpenAI server, the dataset, the report, the events, the caps and the hand-off.</summary>
public sealed class SynthApiTests : IAsyncLifetime
{
    private LoopbackLlmServer _llm = null!;
    private SynthServer _server = null!;
    private HttpClient _client = null!;
    private readonly RecordSupply _supply = new();

    public async Task InitializeAsync()
    {
        _llm = await LoopbackLlmServer.StartAsync();
        _llm.Default = _supply.Reply;
        _server = new SynthServer(_llm);
        _client = _server.CreateClient();
    }

    public async Task DisposeAsync()
    {
        _client.Dispose();
        _server.Dispose();
        await _llm.DisposeAsync();
    }

    private static object Request(int count = 12, string provider = "loop", object? seeds = null, object? limits = null, object? train = null, object? sampling = null) => new
    {
        template = Sample.TemplateText,
        seeds = seeds ?? Sample.Seeds,
        count,
        provider,
        batchSize = 5,
        sampling = sampling ?? new { temperature = 0.8 },
        limits,
        train,
    };

    private async Task<SynthJob> SubmitAsync(object request)
    {
        var response = await _client.PostAsJsonAsync("/api/synth/jobs", request);
        Assert.Equal(HttpStatusCode.Accepted, response.StatusCode);
        return (await response.Content.ReadFromJsonAsync<SynthJob>(SynthJson.Options))!;
    }

    private async Task<SynthJob> WaitAsync(string id)
    {
        var deadline = DateTime.UtcNow.AddSeconds(60);
        while (true)
        {
            var job = (await _client.GetFromJsonAsync<SynthJob>($"/api/synth/jobs/{id}", SynthJson.Options))!;
            if (job.IsFinished || DateTime.UtcNow > deadline)
            {
                return job;
            }

            await Task.Delay(50);
        }
    }

    private async Task<JsonElement> ErrorsOfAsync(object request)
    {
        var response = await _client.PostAsJsonAsync("/api/synth/jobs", request);
        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
        var problem = await response.Content.ReadFromJsonAsync<JsonElement>();
        return problem.GetProperty("errors");
    }

    [Fact]
    public async Task FewerThanTwoSeeds_Is400()
    {
        var errors = await ErrorsOfAsync(Request(seeds: Sample.Seeds.Take(1)));

        Assert.Contains("at least 2 seed", errors.GetProperty("seeds")[0].GetString());
    }

    [Fact]
    public async Task SeedsThatDoNotMatchTheTemplate_Are400_NamingTheSeed()
    {
        var seeds = new[]
        {
            new Dictionary<string, string> { ["question"] = "What is a list?", ["answer"] = "An ordered, mutable sequence." },
            new Dictionary<string, string> { ["question"] = "What is a dict?" },
        };

        var errors = await ErrorsOfAsync(Request(seeds: seeds));

        Assert.Contains("MissingField", errors.GetProperty("seeds[1]")[0].GetString());
    }

    [Theory]
    [InlineData(0)]
    [InlineData(100_000)]
    public async Task CountOutOfRange_Is400(int count)
    {
        var errors = await ErrorsOfAsync(Request(count: count));

        Assert.Contains("between 1 and", errors.GetProperty("count")[0].GetString());
    }

    [Fact]
    public async Task UnknownProvider_Is400_ListingTheConfiguredOnes()
    {
        var errors = await ErrorsOfAsync(Request(provider: "nope"));

        var message = errors.GetProperty("provider")[0].GetString()!;
        Assert.Contains("unknown provider 'nope'", message);
        Assert.Contains("loop", message);
        Assert.DoesNotContain("sk-", message);
    }

    [Fact]
    public async Task AJob_RunsToCompletion_AndItsDatasetIsReadByCoresDatasetReader()
    {
        var created = await SubmitAsync(Request(count: 12));

        var job = await WaitAsync(created.Id);

        Assert.Equal(SynthJobStatus.Succeeded, job.Status);
        Assert.Equal(12, job.Accepted);
        Assert.Equal(3, job.Requests);
        Assert.Equal(new ArtifactRef("datasets", $"synth/{job.Id}.jsonl"), job.Dataset);
        Assert.Equal(14, job.DatasetRecords);

        var dataset = await _client.GetByteArrayAsync($"/api/synth/jobs/{job.Id}/dataset");
        using var folder = new TempFolder();
        var file = Path.Combine(folder.Path, "dataset.jsonl");
        await File.WriteAllBytesAsync(file, dataset);
        TinyTokenizerFactory.Write(folder.Path);
        var examples = DatasetReader.Read(file, TextTokenizer.Load(folder.Path), maxLength: 4096, Sample.Template);
        Assert.Equal(14, examples.Count);
        Assert.True(File.Exists(Path.Combine(_server.StorageFolder, "datasets", "synth", $"{job.Id}.jsonl")));
        Assert.True(File.Exists(Path.Combine(_server.StorageFolder, "jobs", "synth", $"{job.Id}.json")));

        var prompt = _llm.Requests[0].PromptText;
        Assert.Contains(Sample.TemplateText, prompt);
        Assert.Contains(Sample.Seeds[0]["question"], prompt);
        Assert.Contains("Write 5 new examples", prompt);
        Assert.Contains("Write 2 new examples", _llm.Requests[2].PromptText);
    }

    [Fact]
    public async Task TheReport_ListsAcceptedAndRejectedExamples_WithReasons()
    {
        // The first batch repeats a seed and has a broken record; the rest is good.
        var seed = Sample.Seeds[0];
        _llm.Script.Enqueue(LoopbackReply.Model(
            "Here are some:\n" + JsonSerializer.Serialize(new[] { seed, new Dictionary<string, string> { ["question"] = "What is pip?", ["answer"] = "" } })
            + "\n" + _supply.Next(2)));

        var job = await WaitAsync((await SubmitAsync(Request(count: 4))).Id);
        var report = await _client.GetFromJsonAsync<JsonElement>($"/api/synth/jobs/{job.Id}/report");

        Assert.Equal(SynthJobStatus.Succeeded, job.Status);
        Assert.Equal(4, report.GetProperty("accepted").GetInt32());
        Assert.Equal(1, report.GetProperty("rejectedByReason").GetProperty("exactDuplicate").GetInt32());
        Assert.Equal(1, report.GetProperty("rejectedByReason").GetProperty("emptyField").GetInt32());
        var rejected = report.GetProperty("examples").EnumerateArray().Where(e => !e.GetProperty("accepted").GetBoolean()).ToList();
        Assert.Contains(rejected, e => e.GetProperty("detail").GetString()!.Contains("seed 1"));
    }

    [Fact]
    public async Task TheAnthropicProvider_Streams_ThroughTheWholeJob()
    {
        var job = await WaitAsync((await SubmitAsync(Request(count: 5, provider: "claude"))).Id);

        Assert.Equal(SynthJobStatus.Succeeded, job.Status);
        Assert.Equal("claude-test", job.Model);
        Assert.All(_llm.Requests, r => Assert.True(r.Stream && r.Path == "/v1/messages"));
        Assert.Equal(80 + 40, job.InputTokens + job.OutputTokens);
    }

    [Fact]
    public async Task TheRequestCap_FailsTheJob_WithAClearReason_KeepingWhatWasAccepted()
    {
        var job = await WaitAsync((await SubmitAsync(Request(count: 20, limits: new { maxRequests = 2 }))).Id);

        Assert.Equal(SynthJobStatus.Failed, job.Status);
        Assert.Contains("request cap was reached (2 provider calls", job.Error);
        Assert.Contains("10 of 20 examples were accepted", job.Error);
        var lines = (await _client.GetStringAsync($"/api/synth/jobs/{job.Id}/dataset")).Split('\n', StringSplitOptions.RemoveEmptyEntries);
        Assert.Equal(12, lines.Length);
    }

    [Fact]
    public async Task Events_StreamProgress_UntilTheJobFinishes()
    {
        _llm.Script.Enqueue(LoopbackReply.Error(429, "{}", ("retry-after-ms", "50")));
        var job = await SubmitAsync(Request(count: 10));

        var text = await _client.GetStringAsync($"/api/synth/jobs/{job.Id}/events");

        Assert.Contains("event: retry", text);
        Assert.Contains("event: progress", text);
        var last = text.Split("\n\n", StringSplitOptions.RemoveEmptyEntries)[^1];
        Assert.Contains("event: status", last);
        Assert.Contains("\"status\":\"succeeded\"", last);
    }

    [Fact]
    public async Task EachBatchsProgressEvent_CarriesTheExamplesTheGateSaw_AcceptedOrWithTheirReason()
    {
        var job = await SubmitAsync(Request(count: 10));

        var text = await _client.GetStringAsync($"/api/synth/jobs/{job.Id}/events");

        var entries = text.Split("\n\n", StringSplitOptions.RemoveEmptyEntries)
            .Select(e => e.Split('\n').Single(l => l.StartsWith("data: ", StringComparison.Ordinal))["data: ".Length..])
            .Select(data => JsonDocument.Parse(data).RootElement)
            .Where(e => e.TryGetProperty("entries", out _))
            .SelectMany(e => e.GetProperty("entries").EnumerateArray().Select(x => x.Clone()))
            .ToList();
        var report = await _client.GetFromJsonAsync<JsonElement>($"/api/synth/jobs/{job.Id}/report");
        Assert.Equal(report.GetProperty("examples").GetArrayLength(), entries.Count);
        Assert.Equal(10, entries.Count(e => e.GetProperty("accepted").GetBoolean()));
        Assert.All(entries, e => Assert.True(e.GetProperty("record").TryGetProperty("question", out _)));
        Assert.All(entries.Where(e => !e.GetProperty("accepted").GetBoolean()), e => Assert.False(string.IsNullOrEmpty(e.GetProperty("reason").GetString())));
    }

    [Fact]
    public async Task ABadAdapterName_Is400()
    {
        var errors = await ErrorsOfAsync(Request(train: new { adapterName = "../escape" }));

        Assert.Contains("adapter name", errors.GetProperty("train.adapterName")[0].GetString());
    }

    [Fact]
    public async Task UnknownJob_Is404_AndTheDatasetOfAQueuedJobIsNotThere()
    {
        Assert.Equal(HttpStatusCode.NotFound, (await _client.GetAsync("/api/synth/jobs/nope")).StatusCode);
        Assert.Equal(HttpStatusCode.NotFound, (await _client.GetAsync("/api/synth/jobs/nope/dataset")).StatusCode);
    }

    [Fact]
    public async Task Train_HandsTheDataset_ToTheTrainer()
    {
        var train = new { adapterName = "python-qa", lora = new { rank = 8 }, training = new { epochs = 3 } };
        var traceId = "4bf92f3577b34da6a3ce929d0e0e4736";
        using var post = new HttpRequestMessage(HttpMethod.Post, "/api/synth/jobs") { Content = JsonContent.Create(Request(count: 5, train: train)) };
        post.Headers.Add("traceparent", $"00-{traceId}-00f067aa0ba902b7-01");
        var created = (await (await _client.SendAsync(post)).Content.ReadFromJsonAsync<SynthJob>(SynthJson.Options))!;

        var job = await WaitAsync(created.Id);

        Assert.Equal(SynthJobStatus.Succeeded, job.Status);
        Assert.Equal(new TrainingHandoffState("python-qa", "submitted", "train-1"), job.Training);
        var posted = Assert.Single(_llm.TrainingJobs).Body;
        Assert.Equal("python-qa", posted.GetProperty("adapterName").GetString());
        Assert.Equal($"synth-{job.Id}", posted.GetProperty("id").GetString());
        Assert.Equal($"synth/{job.Id}.jsonl", posted.GetProperty("dataset").GetProperty("key").GetString());
        Assert.Equal(Sample.TemplateText, posted.GetProperty("template").GetString());
        var spec = MeshJson.Deserialize<TrainingJobSpec>(Encoding.UTF8.GetBytes(posted.GetRawText()))!;
        Assert.Equal((8, 3), (spec.Lora.Rank, spec.Training.Epochs));
        // The trace that submitted the synthesis job continues into the trainer's request.
        Assert.StartsWith($"00-{traceId}-", _llm.TrainingJobs[0].Headers["traceparent"]);
        Assert.All(_llm.Requests.Where(r => r.Path == "/v1/chat/completions"), r => Assert.StartsWith($"00-{traceId}-", r.Headers["traceparent"]));
    }

    [Fact]
    public async Task Cancel_StopsARunningJob()
    {
        _llm.Default = _ => LoopbackReply.Error(503, "{}", ("Retry-After", "30"));
        var job = await SubmitAsync(Request(count: 10));
        await Task.Delay(300);

        var response = await _client.DeleteAsync($"/api/synth/jobs/{job.Id}");
        var finished = await WaitAsync(job.Id);

        Assert.Equal(HttpStatusCode.Accepted, response.StatusCode);
        Assert.Equal(SynthJobStatus.Cancelled, finished.Status);
        Assert.Equal("cancelled by request", finished.Error);
    }
}
