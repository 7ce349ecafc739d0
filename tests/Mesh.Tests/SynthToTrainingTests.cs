using System.Net;
using System.Net.Http.Json;
using System.Text.Json.Nodes;
using FineTuneMesh.Mesh.Jobs;

namespace FineTuneMesh.Mesh.Tests;

/// <summary>From two seeds and a template to a trained adapter: synthesis hands its dataset to a training job.</summary>
[Collection(MeshCollection.Name)]
public sealed class SynthToTrainingTests(MeshApp mesh)
{
    [Fact]
    public async Task SynthesisJob_WritesAValidatedDataset_AndHandsItToATrainingJobThatSucceeds()
    {
        var samples = Path.Combine(RepoRoot.Path, "samples", "python-qa");
        var seeds = new JsonArray([.. (await File.ReadAllLinesAsync(Path.Combine(samples, "seed.jsonl")))
            .Where(l => l.Length > 0).Select(l => JsonNode.Parse(l))]);
        var adapter = "python-qa-" + Guid.NewGuid().ToString("N")[..8];
        var request = new JsonObject
        {
            ["template"] = await File.ReadAllTextAsync(Path.Combine(samples, "template.txt")),
            ["seeds"] = seeds,
            ["count"] = 20,
            ["provider"] = "fake",
            ["train"] = new JsonObject
            {
                ["adapterName"] = adapter,
                ["baseModel"] = "builtin/tiny",
                ["training"] = new JsonObject { ["epochs"] = 1, ["batchSize"] = 4, ["learningRate"] = 0.005 },
            },
        };

        using var submitted = await mesh.Gateway.PostAsJsonAsync("/api/synth/jobs", request);
        Assert.Equal(HttpStatusCode.Accepted, submitted.StatusCode);
        var synthId = (await submitted.Content.ReadFromJsonAsync<JsonObject>())!["id"]!.GetValue<string>();

        // Synthesis: done, 20 accepted, and the hand-off made.
        JsonObject? synth = null;
        var deadline = DateTime.UtcNow + TimeSpan.FromMinutes(2);
        while (DateTime.UtcNow < deadline)
        {
            synth = await mesh.Gateway.GetFromJsonAsync<JsonObject>($"/api/synth/jobs/{synthId}");
            if (synth!["status"]!.GetValue<string>() is "succeeded" or "failed" or "cancelled")
            {
                break;
            }

            await Task.Delay(250);
        }

        Assert.True(synth!["status"]!.GetValue<string>() == "succeeded", synth.ToJsonString());
        Assert.True(mesh.Llm.Requests >= 2, "the synth service never called the LLM API");

        var dataset = await mesh.Gateway.GetStringAsync($"/api/synth/jobs/{synthId}/dataset");
        var lines = dataset.Split('\n', StringSplitOptions.RemoveEmptyEntries);
        Assert.Equal(22, lines.Length);
        Assert.All(lines, l => Assert.NotNull(JsonNode.Parse(l)!["answer"]));

        // The training job the hand-off submitted trains on exactly that dataset.
        var training = await mesh.Gateway.WaitForFinalAsync($"synth-{synthId}");
        Assert.True(training.Status == JobStatus.Succeeded, training.Error);
        Assert.Equal(adapter, training.Adapter!.Name);
        Assert.Equal(22, (await new Storage.AdapterCatalog(mesh.Store).GetAsync(adapter))!.Metrics.TrainExamples
            + (await new Storage.AdapterCatalog(mesh.Store).GetAsync(adapter))!.Metrics.EvalExamples);
    }
}
