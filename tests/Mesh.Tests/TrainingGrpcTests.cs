using Aspire.Hosting.Testing;
using FineTuneMesh.Training.V1;
using Grpc.Core;
using Grpc.Net.Client;
using TrainingClient = FineTuneMesh.Training.V1.Training.TrainingClient;

namespace FineTuneMesh.Mesh.Tests;

/// <summary>
/// Training jobs and sweeps over gRPC through the gateway, with Grpc.Net.Client: submit, watch to
/// the end, get, list, cancel, and the REST API's validation as gRPC statuses.
/// </summary>
[Collection(MeshCollection.Name)]
public sealed class TrainingGrpcTests(MeshApp mesh)
{
    [Fact]
    public async Task AJobSubmittedOverGrpc_IsWatchedToItsAdapter_AndListed()
    {
        var client = Client(mesh, out var channel);
        using var _ = channel;
        var id = TinyJobs.NewId("grpc");
        var job = await client.SubmitJobAsync(Request(id, learningRate: 0.01));
        Assert.Equal((id, "queued"), (job.Id, job.Status));

        var updates = await WatchAsync(client, id);
        Assert.Equal("record", updates[0].Kind);
        Assert.Contains(updates, u => u.Kind == "progress" || u.Kind == "running");
        Assert.Equal("succeeded", updates[^1].Job.Status);

        var done = await client.GetJobAsync(new GetJobRequest { Id = id });
        Assert.Equal($"grpc-{id[^8..]}", done.Adapter.Name);
        Assert.True(done.Progress.Step > 0);
        Assert.Contains((await client.ListJobsAsync(new ListJobsRequest { Limit = 50 })).Jobs, j => j.Id == id);

        // Submitting it again is the same job; other settings under its id are refused.
        Assert.Equal("succeeded", (await client.SubmitJobAsync(Request(id, learningRate: 0.01))).Status);
        var conflict = await Assert.ThrowsAsync<RpcException>(async () => await client.SubmitJobAsync(Request(id, learningRate: 0.02)));
        Assert.Equal(StatusCode.AlreadyExists, conflict.StatusCode);
        var ended = await Assert.ThrowsAsync<RpcException>(async () => await client.CancelJobAsync(new CancelJobRequest { Id = id }));
        Assert.Equal(StatusCode.FailedPrecondition, ended.StatusCode);
    }

    [Fact]
    public async Task BadRequests_GetTheRestApisReasons_AsGrpcStatuses()
    {
        var client = Client(mesh, out var channel);
        using var _ = channel;
        var invalid = await Assert.ThrowsAsync<RpcException>(async () =>
            await client.SubmitJobAsync(Request(TinyJobs.NewId("grpcbad"), learningRate: -1)));
        Assert.Equal(StatusCode.InvalidArgument, invalid.StatusCode);
        Assert.Contains("learning rate", invalid.Status.Detail);

        var broken = Request(TinyJobs.NewId("grpcbad"), learningRate: 0.01);
        broken.RecordsJsonl = "{\"question\": \"q\", \"answer\": \"a\"}\nnot json";
        var notJson = await Assert.ThrowsAsync<RpcException>(async () => await client.SubmitJobAsync(broken));
        Assert.Equal(StatusCode.InvalidArgument, notJson.StatusCode);
        Assert.Contains("line 2", notJson.Status.Detail);

        var missing = await Assert.ThrowsAsync<RpcException>(async () => await client.GetJobAsync(new GetJobRequest { Id = "no-such-job" }));
        Assert.Equal(StatusCode.NotFound, missing.StatusCode);
        var badId = await Assert.ThrowsAsync<RpcException>(async () => await client.GetJobAsync(new GetJobRequest { Id = "../x" }));
        Assert.Equal(StatusCode.InvalidArgument, badId.StatusCode);
    }

    [Fact]
    public async Task ARunningJobCancelledOverGrpc_EndsCancelled()
    {
        var client = Client(mesh, out var channel);
        using var _ = channel;
        var id = TinyJobs.NewId("grpccancel");
        var request = Request(id, learningRate: 0.01);
        request.Training.Epochs = 200;
        request.Training.BatchSize = 1;
        await client.SubmitJobAsync(request);
        await client.CancelJobAsync(new CancelJobRequest { Id = id });
        Assert.Equal("cancelled", (await WatchAsync(client, id))[^1].Job.Status);
    }

    [Fact]
    public async Task ASweepOverGrpc_IsWatchedToItsLeaderboard_AndBadSpacesAreInvalidArguments()
    {
        var client = Client(mesh, out var channel);
        using var _ = channel;
        var job = Request("", learningRate: 0.01);
        job.Id = "";
        var id = TinyJobs.NewId("grpcsweep");
        var request = new SubmitSweepRequest
        {
            Id = id,
            Job = job,
            Space = new SearchSpace { LearningRate = new Dimension { Values = { 0.005, 0.02 } } },
        };
        Assert.Equal(2, (await client.SubmitSweepAsync(request)).Trials);

        using var watch = client.WatchSweep(new GetSweepRequest { Id = id }, deadline: DateTime.UtcNow.AddMinutes(4));
        var frames = new List<Sweep>();
        while (await watch.ResponseStream.MoveNext(CancellationToken.None))
        {
            frames.Add(watch.ResponseStream.Current);
        }

        var sweep = frames[^1];
        Assert.Equal("succeeded", sweep.Status);
        Assert.Equal([1, 2], sweep.Leaderboard.Select(s => s.Rank));
        Assert.All(sweep.Leaderboard, s => Assert.True(s.HasEvalLoss && s.Adapter is not null));
        Assert.Equal(sweep.Leaderboard, (await client.GetSweepAsync(new GetSweepRequest { Id = id })).Leaderboard);
        Assert.Contains((await client.ListSweepsAsync(new ListSweepsRequest())).Sweeps, s => s.Id == id);
        var ended = await Assert.ThrowsAsync<RpcException>(async () => await client.CancelSweepAsync(new CancelSweepRequest { Id = id }));
        Assert.Equal(StatusCode.FailedPrecondition, ended.StatusCode);

        request.Id = TinyJobs.NewId("grpcsweep");
        request.Space = new SearchSpace();
        var empty = await Assert.ThrowsAsync<RpcException>(async () => await client.SubmitSweepAsync(request));
        Assert.Equal(StatusCode.InvalidArgument, empty.StatusCode);
        Assert.Contains("the search space is empty", empty.Status.Detail);
        var missing = await Assert.ThrowsAsync<RpcException>(async () => await client.GetSweepAsync(new GetSweepRequest { Id = request.Id }));
        Assert.Equal(StatusCode.NotFound, missing.StatusCode);
    }

    public static TrainingClient Client(MeshApp mesh, out GrpcChannel channel)
    {
        channel = GrpcChannel.ForAddress(mesh.App.GetEndpoint("gateway", "grpc"));
        return new TrainingClient(channel);
    }

    /// <summary>Every frame of one WatchJob call, to the job's end.</summary>
    public static async Task<List<JobUpdate>> WatchAsync(TrainingClient client, string id, int afterStep = 0)
    {
        using var call = client.WatchJob(new WatchJobRequest { Id = id, AfterStep = afterStep },
            deadline: DateTime.UtcNow.AddMinutes(4));
        var updates = new List<JobUpdate>();
        while (await call.ResponseStream.MoveNext(CancellationToken.None))
        {
            updates.Add(call.ResponseStream.Current);
        }

        return updates;
    }

    /// <summary>
    /// What a client does when the trainer serving its stream goes away (UNAVAILABLE): it calls
    /// again from the last step it saw, until the job ends. Returns every frame and how many times it resumed.
    /// </summary>
    public static async Task<(List<JobUpdate> Updates, int Resumed)> WatchToEndAsync(TrainingClient client, string id)
    {
        var updates = new List<JobUpdate>();
        for (var resumed = 0; ; resumed++)
        {
            try
            {
                updates.AddRange(await WatchAsync(client, id, updates.LastOrDefault()?.Job.Progress?.Step ?? 0));
                return (updates, resumed);
            }
            catch (RpcException e) when (e.StatusCode == StatusCode.Unavailable && resumed < 5)
            {
                await Task.Delay(500);
            }
        }
    }

    public static SubmitJobRequest Request(string id, double learningRate) => new()
    {
        Id = id,
        AdapterName = $"grpc-{(id.Length >= 8 ? id[^8..] : "sweep")}",
        BaseModel = "builtin/tiny",
        RecordsJsonl = string.Join('\n', TinyJobs.Records().Select(r => r!.ToJsonString())),
        Template = TinyJobs.Template,
        Lora = new LoraSettings { Rank = 4, Alpha = 8 },
        Training = new TrainingSettings { LearningRate = learningRate, Epochs = 2, BatchSize = 2 },
        Evaluation = new EvaluationSettings { MaxTokens = 8 },
    };
}
