using FineTuneMesh.Inference.V1;
using Grpc.Core;

namespace FineTuneMesh.Inference.Service.Tests;

[Collection(InferenceCollection.Name)]
public sealed class AdapterTests(TinyModelFixture tiny)
{
    private async Task<string> Generate(string adapter)
    {
        using var call = tiny.Server.Client.Generate(new GenerateRequest
        {
            Prompt = "The quick brown fox",
            Adapter = adapter,
            Sampling = new SamplingParams { Temperature = 0, RepetitionPenalty = 1.0, MaxTokens = 30 },
        });
        return (await StreamedGeneration.ReadAsync(call)).Text;
    }

    [Fact]
    public async Task AnAdapterFolderIsListedLoadedAndChangesTheOutput()
    {
        var client = tiny.Server.Client;
        await client.UnloadAdapterAsync(new UnloadAdapterRequest { Name = TinyModelFixture.AdapterName });

        var before = await client.ListAdaptersAsync(new ListAdaptersRequest());
        var listed = Assert.Single(before.Adapters, a => a.Name == TinyModelFixture.AdapterName);
        Assert.False(listed.Loaded);
        Assert.Equal((4, 8.0, ""), (listed.Rank, listed.Alpha, listed.Error));
        Assert.Contains("down_proj", listed.TargetModules);
        Assert.NotEqual("", Assert.Single(before.Adapters, a => a.Name == "broken").Error);

        var loaded = await client.LoadAdapterAsync(new LoadAdapterRequest { Name = TinyModelFixture.AdapterName });
        Assert.True(loaded.Adapter.Loaded);
        Assert.True(Assert.Single((await client.ListAdaptersAsync(new ListAdaptersRequest())).Adapters,
            a => a.Name == TinyModelFixture.AdapterName).Loaded);

        var baseText = await Generate("");
        var adapted = await Generate(TinyModelFixture.AdapterName);
        Assert.NotEqual(baseText, adapted);
        Assert.Equal(adapted, await Generate(TinyModelFixture.AdapterName));

        Assert.True((await client.UnloadAdapterAsync(new UnloadAdapterRequest { Name = TinyModelFixture.AdapterName })).Unloaded);
        Assert.False((await client.UnloadAdapterAsync(new UnloadAdapterRequest { Name = TinyModelFixture.AdapterName })).Unloaded);
        // Generating with an adapter that is not loaded loads it on demand.
        Assert.Equal(adapted, await Generate(TinyModelFixture.AdapterName));
    }

    [Fact]
    public async Task AnUnknownAdapterIsNotFound()
    {
        var generate = await Assert.ThrowsAsync<RpcException>(() => Generate("no-such-adapter"));
        var load = await Assert.ThrowsAsync<RpcException>(async () =>
            await tiny.Server.Client.LoadAdapterAsync(new LoadAdapterRequest { Name = "no-such-adapter" }));
        var unload = await Assert.ThrowsAsync<RpcException>(async () =>
            await tiny.Server.Client.UnloadAdapterAsync(new UnloadAdapterRequest { Name = "no-such-adapter" }));

        Assert.Equal(StatusCode.NotFound, generate.StatusCode);
        Assert.Equal(StatusCode.NotFound, load.StatusCode);
        Assert.Equal(StatusCode.NotFound, unload.StatusCode);
        Assert.Contains("no-such-adapter", generate.Status.Detail);
    }

    [Theory]
    [InlineData("../model")]
    [InlineData("..")]
    [InlineData("/etc")]
    [InlineData("a/b")]
    public async Task AdapterNamesThatCouldLeaveTheRootAreRefused(string name)
    {
        var error = await Assert.ThrowsAsync<RpcException>(async () =>
            await tiny.Server.Client.LoadAdapterAsync(new LoadAdapterRequest { Name = name }));

        Assert.Equal(StatusCode.InvalidArgument, error.StatusCode);
    }

    [Fact]
    public async Task AFolderThatIsNotAnAdapterFailsItsPrecondition()
    {
        var error = await Assert.ThrowsAsync<RpcException>(async () =>
            await tiny.Server.Client.LoadAdapterAsync(new LoadAdapterRequest { Name = "broken" }));

        Assert.Equal(StatusCode.FailedPrecondition, error.StatusCode);
        Assert.Contains("adapter_config.json", error.Status.Detail);
    }

    [Fact]
    public async Task PastTheLimitTheLeastRecentlyUsedAdapterIsUnloadedButNotUnderARunningGeneration()
    {
        using var server = new InferenceServer(tiny.ModelFolder, new Dictionary<string, string?>
        {
            ["Inference:AdaptersRoot"] = tiny.AdaptersRoot,
            ["Inference:MaxLoadedAdapters"] = "1",
        });
        using var running = server.Client.Generate(new GenerateRequest
        {
            Prompt = "The quick brown fox",
            Adapter = TinyModelFixture.AdapterName,
            Sampling = new SamplingParams { Temperature = 0, RepetitionPenalty = 1.0, MaxTokens = 400 },
        });
        Assert.True(await running.ResponseStream.MoveNext(CancellationToken.None));

        await server.Client.LoadAdapterAsync(new LoadAdapterRequest { Name = TinyModelFixture.OtherAdapterName });
        var listed = (await server.Client.ListAdaptersAsync(new ListAdaptersRequest())).Adapters.ToDictionary(a => a.Name, a => a.Loaded);
        var rest = await StreamedGeneration.ReadAsync(running);

        Assert.False(listed[TinyModelFixture.AdapterName]);
        Assert.True(listed[TinyModelFixture.OtherAdapterName]);
        // The evicted adapter's model stayed alive until its generation ended.
        var summary = Assert.Single(rest.Summaries);
        Assert.Equal((FinishReason.Length, 400), (summary.FinishReason, summary.CompletionTokens));
    }
}
