using System.IO.Compression;
using System.Net;
using System.Net.Http.Json;
using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;
using FineTuneMesh.BaseModels;
using FineTuneMesh.Core;
using FineTuneMesh.Core.Lora;
using FineTuneMesh.Mesh.Adapters;
using FineTuneMesh.Mesh.Datasets;
using FineTuneMesh.Mesh.Jobs;
using static TorchSharp.torch;

namespace FineTuneMesh.Mesh.Tests;

/// <summary>
/// The APIs behind the Studio's pages, through the gateway: held-out evaluation in each adapter
/// version, merged-model and GGUF exports, named dataset versions, the synthesis providers and the
/// prompt as the model sees it.
/// </summary>
[Collection(MeshCollection.Name)]
public sealed class StudioApiTests(MeshApp mesh)
{
    [Fact]
    public async Task ATemplateJob_IsEvaluatedOnItsHeldOutRecords_AndTheReportIsAFileOfTheVersion()
    {
        var (manifest, _) = await TrainAsync("eval");

        Assert.NotNull(manifest.Evaluation);
        Assert.Equal(manifest.Metrics.EvalExamples, manifest.Evaluation.Count);
        Assert.Equal(manifest.Evaluation.Count,
            manifest.Evaluation.Adherent + manifest.Evaluation.EarlyStop + manifest.Evaluation.RunOn + manifest.Evaluation.Malformed);
        var report = await mesh.Gateway.GetFromJsonAsync<JsonElement>(
            $"/api/train/adapters/{manifest.Name}/versions/{manifest.Version}/files/evaluation.json");
        var example = report.GetProperty("examples").EnumerateArray().Single();
        Assert.StartsWith("What is", example.GetProperty("fields").GetProperty("question").GetString());
        Assert.False(string.IsNullOrEmpty(example.GetProperty("text").GetString()));
        Assert.Contains(example.GetProperty("class").GetString(), new[] { "adherent", "early_stop", "run_on", "malformed" });
        Assert.True(example.GetProperty("tokens").GetInt32() <= 24);
    }

    [Fact]
    public async Task AnAdapterVersion_ExportsAsAMergedModelThatLoads_AndAsGguf_OnceEach()
    {
        var (manifest, folder) = await TrainAsync("export");
        var exports = $"/api/train/adapters/{manifest.Name}/versions/{manifest.Version}/exports";

        using var merged = await mesh.Gateway.PostAsJsonAsync(exports, new { format = "merged" });
        Assert.Equal(HttpStatusCode.OK, merged.StatusCode);
        var result = await merged.Content.ReadFromJsonAsync<JsonElement>();
        Assert.Equal("merged-model.zip", result.GetProperty("file").GetString());
        var zip = await mesh.Gateway.GetByteArrayAsync(result.GetProperty("url").GetString());
        Assert.Equal(result.GetProperty("bytes").GetInt64(), zip.Length);
        var unpacked = Path.Combine(mesh.DataDirectory, "exports", manifest.Name);
        ZipFile.ExtractToDirectory(new MemoryStream(zip), unpacked);

        // The merged model says what the base model with the adapter says.
        using (var withAdapter = LanguageModel.Load(BuiltinModels.EnsureTiny(mesh.ModelCache)))
        using (var mergedModel = LanguageModel.Load(unpacked))
        using (var prompt = tensor(withAdapter.Tokenizer.Encode("Q: What is 1 plus 2?\nA:").Select(t => (long)t).ToArray()).unsqueeze(0))
        using (no_grad())
        {
            AdapterFiles.Load(folder, withAdapter.Network);
            using var expected = withAdapter.Network.Forward(prompt);
            using var actual = mergedModel.Network.Forward(prompt);
            Assert.True((expected - actual).abs().max().item<float>() < 1e-3f, "the merged model's logits differ from base + adapter");
        }

        // Asked again, the same stored export answers.
        using var again = await mesh.Gateway.PostAsJsonAsync(exports, new { format = "merged" });
        Assert.Equal(result.GetProperty("sha256").GetString(), (await again.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("sha256").GetString());

        using var gguf = await mesh.Gateway.PostAsJsonAsync(exports, new { format = "gguf" });
        Assert.Equal(HttpStatusCode.OK, gguf.StatusCode);
        var ggufFile = await mesh.Gateway.GetByteArrayAsync((await gguf.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("url").GetString());
        Assert.Equal("GGUF", Encoding.ASCII.GetString(ggufFile, 0, 4));

        using var badFormat = await mesh.Gateway.PostAsJsonAsync(exports, new { format = "onnx" });
        Assert.Equal(HttpStatusCode.BadRequest, badFormat.StatusCode);
        Assert.Contains("merged, gguf", await badFormat.Content.ReadAsStringAsync());
        using var noVersion = await mesh.Gateway.PostAsJsonAsync($"/api/train/adapters/{manifest.Name}/versions/99/exports", new { format = "gguf" });
        Assert.Equal(HttpStatusCode.NotFound, noVersion.StatusCode);
        using var notYet = await mesh.Gateway.GetAsync($"/api/train/adapters/{manifest.Name}/versions/99/exports/model-f16.gguf");
        Assert.Equal(HttpStatusCode.NotFound, notYet.StatusCode);
    }

    [Fact]
    public async Task NamedDatasets_GetAVersionPerSave_AndJobsNameAVersionByItsKey()
    {
        var name = "studio-" + Guid.NewGuid().ToString("N")[..8];
        var jsonl = string.Join('\n', TinyJobs.Records().Select(r => r!.ToJsonString()));
        var first = await SaveAsync(name, jsonl);
        var second = await SaveAsync(name, jsonl + "\n" + """{"question": "What is 9 plus 9?", "answer": "18"}""");
        Assert.Equal((1, 9), (first.Version, first.Records));
        Assert.Equal((2, 10), (second.Version, second.Records));
        Assert.Equal($"library/{name}/v2.jsonl", second.Key);

        var list = await mesh.Gateway.GetFromJsonAsync<JsonElement>("/api/train/datasets");
        var saved = list.GetProperty("datasets").EnumerateArray().Single(d => d.GetProperty("name").GetString() == name);
        Assert.Equal([1, 2], saved.GetProperty("versions").EnumerateArray().Select(v => v.GetProperty("version").GetInt32()));
        Assert.Equal(jsonl, await mesh.Gateway.GetStringAsync($"/api/train/datasets/{first.Key}"));

        var job = TinyJobs.Job(TinyJobs.NewId("dsv"), name);
        job["dataset"] = new JsonObject { ["key"] = second.Key };
        job["training"]!["epochs"] = 1;
        using var submitted = await mesh.Gateway.SubmitAsync(job);
        Assert.Equal(HttpStatusCode.Accepted, submitted.StatusCode);

        using var badName = await mesh.Gateway.PostAsync("/api/train/datasets/..%2Fetc/versions", new StringContent(jsonl));
        Assert.Equal(HttpStatusCode.BadRequest, badName.StatusCode);
        using var badLine = await mesh.Gateway.PostAsync($"/api/train/datasets/{name}/versions", new StringContent("{\"question\": 1}\nnot json"));
        Assert.Equal(HttpStatusCode.BadRequest, badLine.StatusCode);
        Assert.Contains("line 2", await badLine.Content.ReadAsStringAsync());
        var after = await mesh.Gateway.GetFromJsonAsync<JsonElement>("/api/train/datasets");
        Assert.Equal(2, after.GetProperty("datasets").EnumerateArray().Single(d => d.GetProperty("name").GetString() == name)
            .GetProperty("versions").GetArrayLength());
    }

    [Fact]
    public async Task TheProvidersAndThePromptAsTheModelSeesIt_AreServed()
    {
        var providers = await mesh.Gateway.GetFromJsonAsync<JsonElement>("/api/synth/providers");
        Assert.Equal("inference", providers.GetProperty("default").GetString());
        var names = providers.GetProperty("providers").EnumerateArray().Select(p => p.GetProperty("name").GetString()).ToList();
        Assert.Contains("fake", names);
        Assert.DoesNotContain("apiKey", providers.GetRawText(), StringComparison.OrdinalIgnoreCase);
        Assert.DoesNotContain("baseUrl", providers.GetRawText(), StringComparison.OrdinalIgnoreCase);

        var model = (await mesh.Gateway.GetFromJsonAsync<JsonElement>("/v1/models")).GetProperty("data")[0].GetProperty("id").GetString();
        using var chat = await mesh.Gateway.PostAsJsonAsync("/api/inference/prompt",
            new { model, messages = new[] { new { role = "system", content = "Be brief." }, new { role = "user", content = "Hello" } } });
        Assert.Equal(HttpStatusCode.OK, chat.StatusCode);
        var rendered = await chat.Content.ReadFromJsonAsync<JsonElement>();
        Assert.Contains("<|im_start|>user\nHello<|im_end|>", rendered.GetProperty("prompt").GetString());
        Assert.EndsWith("<|im_start|>assistant\n", rendered.GetProperty("prompt").GetString());
        Assert.True(rendered.GetProperty("promptTokens").GetInt32() > 5);

        using var text = await mesh.Gateway.PostAsJsonAsync("/api/inference/prompt", new { model, prompt = "Q: hi\nA:" });
        Assert.Equal("Q: hi\nA:", (await text.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("prompt").GetString());

        using var unknown = await mesh.Gateway.PostAsJsonAsync("/api/inference/prompt", new { model = "nope", prompt = "x" });
        Assert.Equal(HttpStatusCode.NotFound, unknown.StatusCode);
        using var broken = await mesh.Gateway.PostAsync("/api/inference/prompt", new StringContent("{", Encoding.UTF8, "application/json"));
        Assert.Equal(HttpStatusCode.BadRequest, broken.StatusCode);
    }

    [Fact]
    public async Task TheStudioPage_IsServedAtTheRoot()
    {
        using var page = await mesh.Gateway.GetAsync("/");
        Assert.Equal(HttpStatusCode.OK, page.StatusCode);
        Assert.Equal("text/html", page.Content.Headers.ContentType?.MediaType);
        Assert.Contains("FineTuneMesh Studio", await page.Content.ReadAsStringAsync());
    }

    private async Task<DatasetVersion> SaveAsync(string name, string jsonl)
    {
        using var response = await mesh.Gateway.PostAsync($"/api/train/datasets/{name}/versions", new StringContent(jsonl, Encoding.UTF8, "application/jsonl"));
        Assert.True(response.StatusCode == HttpStatusCode.Created, await response.Content.ReadAsStringAsync());
        return (await response.Content.ReadFromJsonAsync<DatasetVersion>(MeshJson.Options))!;
    }

    /// <summary>A tiny template job (evaluated with 24-token answers); its manifest and its downloaded adapter folder.</summary>
    private async Task<(AdapterManifest Manifest, string Folder)> TrainAsync(string prefix)
    {
        var id = TinyJobs.NewId(prefix);
        var job = TinyJobs.Job(id, $"{prefix}-{id[^8..]}", epochs: 2);
        job["evaluation"] = new JsonObject { ["maxTokens"] = 24 };
        using var response = await mesh.Gateway.SubmitAsync(job);
        Assert.Equal(HttpStatusCode.Accepted, response.StatusCode);
        var record = await mesh.Gateway.WaitForFinalAsync(id);
        Assert.True(record.Status == JobStatus.Succeeded, record.Error);
        var manifest = await mesh.Gateway.GetFromJsonAsync<AdapterManifest>(
            $"/api/train/adapters/{record.Adapter!.Name}/versions/{record.Adapter.Version}", MeshJson.Options);
        var folder = Path.Combine(mesh.DataDirectory, "downloads", id);
        await new Storage.AdapterCatalog(mesh.Store).DownloadAsync(manifest!, folder);
        return (manifest!, folder);
    }
}
