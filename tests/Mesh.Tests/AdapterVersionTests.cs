using FineTuneMesh.Mesh.Adapters;
using FineTuneMesh.Mesh.Jobs;
using FineTuneMesh.Storage;

namespace FineTuneMesh.Mesh.Tests;

/// <summary>Adapter versions against the real S3 server of the mesh (s3rver: no conditional writes, so the claim fallback).</summary>
[Collection(MeshCollection.Name)]
public sealed class AdapterVersionTests(MeshApp mesh)
{
    [Fact]
    public async Task ConcurrentPublishersOfOneAdapterName_GetDistinctVersions()
    {
        var name = TinyJobs.NewId("race");
        var folder = Directory.CreateTempSubdirectory("ftm-race-");
        try
        {
            await File.WriteAllTextAsync(Path.Combine(folder.FullName, "adapter_config.json"), "{}");
            var catalog = new AdapterCatalog(mesh.Store);
            var publishers = Enumerable.Range(0, 4)
                .Select(i => Task.Run(() => catalog.PublishAsync(folder.FullName, (version, files) => Manifest(name, version, files, i), name)));
            var manifests = await Task.WhenAll(publishers);

            var versions = manifests.Select(m => m.Version).ToList();
            Assert.Equal(versions.Count, versions.Distinct().Count());
            Assert.Equal(versions.Order(), await catalog.VersionsAsync(name));
            // Each version holds its own publisher's manifest, and latest is the newest.
            foreach (var manifest in manifests)
            {
                Assert.Equal(manifest.JobId, (await catalog.GetAsync(name, manifest.Version))!.JobId);
            }

            Assert.Equal(versions.Max(), (await catalog.GetAsync(name))!.Version);
        }
        finally
        {
            folder.Delete(recursive: true);
        }
    }

    [Fact]
    public async Task TryCreate_HandsOneKeyToExactlyOneOfManyConcurrentCallers()
    {
        var key = $"probes/{TinyJobs.NewId("once")}";
        var results = await Task.WhenAll(Enumerable.Range(0, 6)
            .Select(_ => Task.Run(() => mesh.Store.TryCreateAsync(Storage.MeshBuckets.Jobs, key, "{}"u8.ToArray()))));

        Assert.Equal(1, results.Count(r => r));
        // Once held, it stays held.
        Assert.False(await mesh.Store.TryCreateAsync(Storage.MeshBuckets.Jobs, key, "{}"u8.ToArray()));

        // s3rver overwrites on If-None-Match: *, which is what sends the store to its fallback.
        Assert.False(await mesh.Store.SupportsConditionalWritesAsync());
    }

    private static AdapterManifest Manifest(string name, int version, IReadOnlyList<AdapterFile> files, int publisher) => new()
    {
        Name = name,
        Version = version,
        JobId = $"publisher-{publisher}",
        BaseModel = "builtin/tiny",
        Lora = new LoraSpec(),
        Training = new TrainingSpec(),
        Metrics = new AdapterMetrics(1, 1, null, 1, 1, 0, 0),
        Files = files,
        CreatedAt = DateTimeOffset.UtcNow,
    };
}
