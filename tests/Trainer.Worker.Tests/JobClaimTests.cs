using FineTuneMesh.Mesh.Jobs;
using FineTuneMesh.Storage;
using FineTuneMesh.Tests.Shared;
using FineTuneMesh.Trainer.Worker.Worker;

namespace FineTuneMesh.Trainer.Worker.Tests;

/// <summary>
/// Two workers that take two copies of one job's message at once: exactly one holds the attempt,
/// and the record says so. Against s3rver, which has no conditional writes, so the fallback is what runs.
/// </summary>
public sealed class JobClaimTests(S3rverFixture s3) : IClassFixture<S3rverFixture>
{
    [Fact]
    public async Task TwoWorkersClaimingOneAttemptAtOnce_ExactlyOneHoldsIt_AndTheRecordNamesThatWorker()
    {
        using var store = new ArtifactStore(StorageConnection.Parse(s3.ConnectionString));
        await store.EnsureBucketsAsync(MeshBuckets.All);
        var jobs = new JobStore(store);
        var claims = new JobClaim(store, jobs);
        var spec = new TrainingJobSpec { Id = "job-claimed", AdapterName = "bot" };
        JobRecord AsRunBy(string worker) => new() { Id = spec.Id, Spec = spec, Status = JobStatus.Running, Attempts = 1, Worker = worker };

        var taken = await Task.WhenAll(claims.TryTakeAsync(AsRunBy("worker-a"), CancellationToken.None),
            claims.TryTakeAsync(AsRunBy("worker-b"), CancellationToken.None));

        Assert.Single(taken, held => held);
        var winner = taken[0] ? "worker-a" : "worker-b";
        Assert.Equal(winner, (await jobs.GetAsync(spec.Id))!.Worker);
    }

    [Fact]
    public async Task AClaimedAttempt_IsNotClaimedAgain_ButTheNextAttemptIs()
    {
        using var store = new ArtifactStore(StorageConnection.Parse(s3.ConnectionString));
        await store.EnsureBucketsAsync(MeshBuckets.All);
        var claims = new JobClaim(store, new JobStore(store));
        var spec = new TrainingJobSpec { Id = "job-resumed", AdapterName = "bot" };
        var first = new JobRecord { Id = spec.Id, Spec = spec, Status = JobStatus.Running, Attempts = 1, Worker = "worker-a" };

        Assert.True(await claims.TryTakeAsync(first, CancellationToken.None));
        Assert.False(await claims.TryTakeAsync(first with { Worker = "worker-b" }, CancellationToken.None));
        Assert.True(await claims.TryTakeAsync(first with { Attempts = 2, Worker = "worker-b" }, CancellationToken.None));
    }
}
