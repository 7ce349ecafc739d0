using System.Net;
using System.Net.Http.Json;
using System.Text;
using FineTuneMesh.Storage;
using FineTuneMesh.Synth.Service.Jobs;
using FineTuneMesh.Synth.Service.Tests.Loopback;
using FineTuneMesh.Tests.Shared;

namespace FineTuneMesh.Synth.Service.Tests;

/// <summary>With the mesh's storage connection string, jobs, datasets and reports live in the S3 server (here s3rver).</summary>
public sealed class ObjectStorageTests(S3rverFixture s3) : IClassFixture<S3rverFixture>, IAsyncLifetime
{
    private LoopbackLlmServer _llm = null!;

    public async Task InitializeAsync()
    {
        _llm = await LoopbackLlmServer.StartAsync();
        _llm.Default = new RecordSupply().Reply;
    }

    public async Task DisposeAsync() => await _llm.DisposeAsync();

    [Fact]
    public async Task AJob_StoresItsRecordDatasetAndReport_InTheBuckets()
    {
        using var server = new SynthServer(_llm, new Dictionary<string, string?> { ["ConnectionStrings:storage"] = s3.ConnectionString });
        using var client = server.CreateClient();
        var body = new { template = Sample.TemplateText, seeds = Sample.Seeds, count = 5, provider = "loop" };

        var created = (await (await client.PostAsJsonAsync("/api/synth/jobs", body)).Content.ReadFromJsonAsync<SynthJob>(SynthJson.Options))!;
        SynthJob job;
        do
        {
            await Task.Delay(50);
            job = (await client.GetFromJsonAsync<SynthJob>($"/api/synth/jobs/{created.Id}", SynthJson.Options))!;
        }
        while (!job.IsFinished);

        Assert.Equal(SynthJobStatus.Succeeded, job.Status);
        using var store = new ArtifactStore(StorageConnection.Parse(s3.ConnectionString));
        var dataset = await store.GetBytesAsync(MeshBuckets.Datasets, $"synth/{job.Id}.jsonl");
        Assert.NotNull(dataset);
        Assert.Equal(7, Encoding.UTF8.GetString(dataset).Split('\n', StringSplitOptions.RemoveEmptyEntries).Length);
        Assert.Equal(dataset, await client.GetByteArrayAsync($"/api/synth/jobs/{job.Id}/dataset"));
        Assert.NotNull(await store.GetBytesAsync(MeshBuckets.Datasets, $"synth/{job.Id}.report.json"));
        var record = await store.GetJsonAsync<SynthJob>(MeshBuckets.Jobs, $"synth/{job.Id}.json");
        Assert.Equal(SynthJobStatus.Succeeded, record?.Status);
        Assert.Equal(HttpStatusCode.OK, (await client.GetAsync("/health")).StatusCode);
    }
}
