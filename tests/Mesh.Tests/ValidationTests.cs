using System.Net;
using System.Text;
using System.Text.Json.Nodes;

namespace FineTuneMesh.Mesh.Tests;

/// <summary>Malformed jobs get a 4xx that says what is wrong, and never reach a worker.</summary>
[Collection(MeshCollection.Name)]
public sealed class ValidationTests(MeshApp mesh)
{
    public static TheoryData<string, string, string> BadJobs => new()
    {
        { "unknown base model", """{"baseModel":"nobody/no-such-model"}""", "unknown base model" },
        { "a server folder as the base model", """{"baseModel":"../../../../etc"}""", "not allowed" },
        { "an absolute path as the base model", """{"baseModel":"/etc"}""", "paths are refused" },
        { "a home path as the base model", """{"baseModel":"~/.ssh"}""", "not allowed" },
        { "a path trick in the base model revision", """{"baseModel":"Qwen/Qwen2.5-0.5B","baseModelRevision":"../../../etc"}""", "not allowed" },
        { "negative learning rate", """{"training":{"learningRate":-0.1}}""", "learning rate" },
        { "zero rank", """{"lora":{"rank":0}}""", "rank" },
        { "unknown target", """{"lora":{"targets":["lm_head"]}}""", "lm_head" },
        { "a layer the base model does not have", """{"lora":{"layersToTransform":[0,99]}}""", "names layer 99" },
        { "path trick in the adapter name", """{"adapterName":"../../etc"}""", "adapterName" },
        { "path trick in the dataset key", """{"dataset":{"key":"../secrets.jsonl"}}""", "dataset key" },
        { "missing dataset object", """{"dataset":{"key":"nothing/here.jsonl"}}""", "does not exist" },
        { "records missing a template field", """{"dataset":{"records":[{"question":"no answer"}]}}""", "answer" },
        { "records that are not objects", """{"dataset":{"records":[1,2]}}""", "JSON object" },
        { "broken template", """{"template":"Q: {question\nA: {answer}"}""", "template" },
        { "both dataset forms", """{"dataset":{"key":"a.jsonl","records":[{"question":"q","answer":"a"}]}}""", "exactly one" },
    };

    [Theory]
    [MemberData(nameof(BadJobs))]
    public async Task BadJob_Gets400WithTheReason(string what, string patch, string expected)
    {
        var id = TinyJobs.NewId("bad");
        var job = TinyJobs.Job(id, "bad-" + id[4..12]);
        Merge(job, JsonNode.Parse(patch)!.AsObject());

        using var response = await mesh.Gateway.SubmitAsync(job);
        var body = await response.Content.ReadAsStringAsync();
        Assert.True(response.StatusCode == HttpStatusCode.BadRequest, $"{what}: {(int)response.StatusCode} {body}");
        Assert.Contains(expected, body, StringComparison.OrdinalIgnoreCase);
        Assert.DoesNotContain("Exception", body, StringComparison.Ordinal);
        Assert.DoesNotContain(mesh.DataDirectory, body, StringComparison.Ordinal);
        Assert.Null(await mesh.Gateway.GetJobAsync(id));
    }

    [Theory]
    [InlineData("-3")]
    [InlineData("0")]
    [InlineData("abc")]
    [InlineData("100000")]
    public async Task ListWithABadLimit_Gets400(string limit)
    {
        using var response = await mesh.Gateway.GetAsync($"/api/train/jobs?limit={limit}");
        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
        Assert.Contains("limit must be a whole number", await response.Content.ReadAsStringAsync());
    }

    [Theory]
    [InlineData("this is not json\n", "line 1: not valid JSON")]
    [InlineData("{\"prompt\":\"a\",\"completion\":\"b\"}\n[1,2]\n", "line 2: a JSON array")]
    [InlineData("{\"prompt\":5,\"completion\":\"b\"}\n", "is a number; it must be a string")]
    [InlineData("{\"messages\":\"hi\"}\n", "must be a non-empty array")]
    [InlineData("\n\n", "no records")]
    public async Task UploadedDatasetThatIsNotJsonLines_Gets400WithTheLine(string jsonl, string expected)
    {
        var key = $"uploads/{Guid.NewGuid():N}.jsonl";
        using var put = await mesh.Gateway.PutAsync($"/api/train/datasets/{key}",
            new StringContent(System.Text.RegularExpressions.Regex.Unescape(jsonl), Encoding.UTF8, "application/jsonl"));
        Assert.Equal(HttpStatusCode.BadRequest, put.StatusCode);
        Assert.Contains(expected, await put.Content.ReadAsStringAsync());
        using var get = await mesh.Gateway.GetAsync($"/api/train/datasets/{key}");
        Assert.Equal(HttpStatusCode.NotFound, get.StatusCode);
    }

    [Fact]
    public async Task UnknownSynthJob_Gets404WithProblemDetails_AndABadIdGets400()
    {
        using var missing = await mesh.Gateway.GetAsync("/api/synth/jobs/no-such-job");
        Assert.Equal(HttpStatusCode.NotFound, missing.StatusCode);
        Assert.Equal("application/problem+json", missing.Content.Headers.ContentType?.MediaType);
        Assert.Contains("no synthesis job 'no-such-job'", await missing.Content.ReadAsStringAsync());

        using var bad = await mesh.Gateway.GetAsync("/api/synth/jobs/bad..id/dataset");
        Assert.Equal(HttpStatusCode.BadRequest, bad.StatusCode);
        Assert.Contains("job id", await bad.Content.ReadAsStringAsync());
    }

    [Theory]
    [InlineData("{ not json", "not a valid job")]
    [InlineData("null", "JSON null")]
    [InlineData("""{"adapterName": 5}""", "not a valid job")]
    public async Task MalformedBody_Gets400(string body, string expected)
    {
        using var response = await mesh.Gateway.PostAsync("/api/train/jobs", new StringContent(body, Encoding.UTF8, "application/json"));
        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
        Assert.Contains(expected, await response.Content.ReadAsStringAsync());
    }

    [Fact]
    public async Task OversizeBody_Gets413()
    {
        var job = TinyJobs.Job(TinyJobs.NewId("big"), "big");
        job["template"] = "Q: {question}\nA: {answer}\n" + new string('x', 17 << 20);
        using var response = await mesh.Gateway.SubmitAsync(job);
        Assert.Equal(HttpStatusCode.RequestEntityTooLarge, response.StatusCode);
        Assert.Contains("larger than the limit of 16777216 bytes", await response.Content.ReadAsStringAsync());
    }

    [Fact]
    public async Task UnknownJob_Gets404_AndABadIdGets400()
    {
        using var missing = await mesh.Gateway.GetAsync("/api/train/jobs/no-such-job");
        Assert.Equal(HttpStatusCode.NotFound, missing.StatusCode);
        using var bad = await mesh.Gateway.GetAsync("/api/train/jobs/bad.id");
        Assert.Equal(HttpStatusCode.BadRequest, bad.StatusCode);
    }

    [Fact]
    public async Task UploadedDataset_CanBeNamedByKey()
    {
        var jsonl = string.Join("\n", TinyJobs.Records().Select(r => r!.ToJsonString())) + "\n";
        var key = $"uploads/{Guid.NewGuid():N}.jsonl";
        using var put = await mesh.Gateway.PutAsync($"/api/train/datasets/{key}", new StringContent(jsonl, Encoding.UTF8, "application/jsonl"));
        Assert.Equal(HttpStatusCode.Created, put.StatusCode);

        var id = TinyJobs.NewId("bykey");
        var job = TinyJobs.Job(id, "bykey-" + id[6..14], epochs: 1);
        job["dataset"] = new JsonObject { ["key"] = key };
        using var submitted = await mesh.Gateway.SubmitAsync(job);
        Assert.Equal(HttpStatusCode.Accepted, submitted.StatusCode);
        Assert.Equal(FineTuneMesh.Mesh.Jobs.JobStatus.Succeeded, (await mesh.Gateway.WaitForFinalAsync(id)).Status);
    }

    private static void Merge(JsonObject target, JsonObject patch)
    {
        foreach (var (key, value) in patch.ToList())
        {
            if (value is JsonObject inner && target[key] is JsonObject existing && key != "dataset")
            {
                Merge(existing, inner);
            }
            else
            {
                patch.Remove(key);
                target[key] = value;
            }
        }
    }
}
