using System.Net;
using System.Net.Http.Json;
using System.Text;
using System.Text.Json.Nodes;
using FineTuneMesh.Mesh.Adapters;
using FineTuneMesh.Mesh.Jobs;

namespace FineTuneMesh.Mesh.Tests;

/// <summary>
/// A job over several datasets, each with its own template, mixed by weight: the manifest records
/// each task with its example counts and held-out adherence, and each task's answers are a file.
/// </summary>
[Collection(MeshCollection.Name)]
public sealed class MultiTaskTests(MeshApp mesh)
{
    private const string Reverse = "### Word:\n{word}\n### Reversed:\n{reversed}\n### END";

    [Fact]
    public async Task AMultiTaskJob_ReportsAdherencePerTask_AndItsManifestRecordsTheTasks()
    {
        var suffix = Guid.NewGuid().ToString("N")[..8];
        var sums = await SaveAsync($"sums-{suffix}", TinyJobs.Records(10).Select(r => r!.ToJsonString()));
        string[] list = ["apple", "house", "river", "stone", "cloud", "light"];
        var words = await SaveAsync($"words-{suffix}", list
            .Select(w => new JsonObject { ["word"] = w, ["reversed"] = new string(w.Reverse().ToArray()) }.ToJsonString()));
        var id = TinyJobs.NewId("multi");
        var job = TinyJobs.Job(id, $"multi-{suffix}", epochs: 2);
        job.Remove("dataset");
        job.Remove("template");
        job["tasks"] = new JsonArray(
            new JsonObject { ["name"] = "sums", ["dataset"] = new JsonObject { ["key"] = sums }, ["template"] = TinyJobs.Template },
            new JsonObject { ["name"] = "words", ["dataset"] = new JsonObject { ["key"] = words }, ["template"] = Reverse, ["weight"] = 2 });
        job["training"]!["evalFraction"] = 0.2;
        job["evaluation"] = new JsonObject { ["maxTokens"] = 12 };

        using var submitted = await mesh.Gateway.SubmitAsync(job);
        Assert.True(submitted.StatusCode == HttpStatusCode.Accepted, await submitted.Content.ReadAsStringAsync());
        var record = await mesh.Gateway.WaitForFinalAsync(id);
        Assert.True(record.Status == JobStatus.Succeeded, record.Error);

        var manifest = await mesh.Gateway.GetFromJsonAsync<AdapterManifest>(
            $"/api/train/adapters/{record.Adapter!.Name}/versions/{record.Adapter.Version}", MeshJson.Options);
        var tasks = manifest!.Tasks!;
        Assert.Equal(["sums", "words"], tasks.Select(t => t.Name));
        var (sumsTask, wordsTask) = (tasks[0], tasks[1]);
        Assert.Equal((8, 2), (sumsTask.TrainExamples, sumsTask.EvalExamples));
        Assert.Equal((10, 1), (wordsTask.TrainExamples, wordsTask.EvalExamples));            // 5 training words, weight 2
        Assert.Equal(2, sumsTask.Evaluation!.Count);
        Assert.Equal(1, wordsTask.Evaluation!.Count);
        Assert.Equal(3, manifest.Evaluation!.Count);
        Assert.Equal(18, manifest.Metrics.TrainExamples);
        var words1 = await mesh.Gateway.GetFromJsonAsync<JsonObject>(
            $"/api/train/adapters/{manifest.Name}/versions/{manifest.Version}/files/evaluation-words.json");
        Assert.NotNull(words1!["examples"]![0]!["fields"]!["word"]);
    }

    [Theory]
    [InlineData("""[{"name": "a", "dataset": {"key": "nope/none.jsonl"}}]""", "does not exist")]
    [InlineData("""[{"name": "a", "dataset": {"key": "x.jsonl"}, "weight": 0}, {"name": "a", "dataset": {"key": "x.jsonl"}}]""", "used 2 times")]
    [InlineData("""[{"name": "a", "dataset": {"records": [{"prompt": "p", "completion": "c"}]}}]""", "a stored dataset")]
    [InlineData("[]", "1 to 16 tasks")]
    public async Task BadTasks_Are400WithTheReason(string tasks, string expected)
    {
        var job = TinyJobs.Job(TinyJobs.NewId("badtask"), "bad-tasks");
        job.Remove("dataset");
        job["tasks"] = JsonNode.Parse(tasks);
        using var response = await mesh.Gateway.SubmitAsync(job);
        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
        Assert.Contains(expected, await response.Content.ReadAsStringAsync());
    }

    private async Task<string> SaveAsync(string name, IEnumerable<string> lines)
    {
        using var response = await mesh.Gateway.PostAsync($"/api/train/datasets/{name}/versions",
            new StringContent(string.Join('\n', lines), Encoding.UTF8, "application/jsonl"));
        Assert.True(response.StatusCode == HttpStatusCode.Created, await response.Content.ReadAsStringAsync());
        return (await response.Content.ReadFromJsonAsync<JsonObject>())!["key"]!.GetValue<string>();
    }
}
