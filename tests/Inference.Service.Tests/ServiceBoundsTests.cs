using System.Diagnostics;
using FineTuneMesh.Inference.V1;
using Grpc.Core;

namespace FineTuneMesh.Inference.Service.Tests;

/// <summary>The service's own bounds: the longest queue wait (with keep-alives while waiting) and the longest generation.</summary>
[Collection(InferenceCollection.Name)]
public sealed class ServiceBoundsTests(TinyModelFixture tiny)
{
    private static GenerateRequest LongRun(int maxTokens = 2000) => new()
    {
        Prompt = "The quick brown fox",
        Sampling = new SamplingParams { Temperature = 0, RepetitionPenalty = 1.0, MaxTokens = maxTokens },
    };

    [Fact]
    public async Task ARequestWaitingInTheQueueGetsKeepAlivesThenIsRefusedAsBusyAtTheLongestWait()
    {
        using var server = new InferenceServer(tiny.ModelFolder, new Dictionary<string, string?>
        {
            ["Inference:MaxConcurrentGenerations"] = "1",
            ["Inference:MaxQueuedGenerations"] = "1",
            ["Inference:MaxQueueWaitSeconds"] = "1",
            ["Inference:KeepAliveMs"] = "200",
            ["Inference:RetryAfterMs"] = "500",
        });
        using var cancelFirst = new CancellationTokenSource();
        using var first = server.Client.Generate(LongRun(), cancellationToken: cancelFirst.Token);
        Assert.True(await first.ResponseStream.MoveNext(CancellationToken.None));

        var frames = new List<GenerateResponse>();
        var clock = Stopwatch.StartNew();
        var refused = await Assert.ThrowsAsync<RpcException>(async () =>
        {
            using var second = server.Client.Generate(LongRun(3));
            await foreach (var frame in second.ResponseStream.ReadAllAsync())
            {
                frames.Add(frame);
            }
        });

        Assert.Equal(StatusCode.ResourceExhausted, refused.StatusCode);
        Assert.Contains("MaxQueueWaitSeconds", refused.Status.Detail);
        Assert.Equal("500", refused.Trailers.GetValue("retry-after-ms"));
        Assert.True(clock.Elapsed >= TimeSpan.FromSeconds(0.9), $"refused after {clock.Elapsed}");
        Assert.True(frames.Count >= 3, $"{frames.Count} keep-alive frame(s) in one second of waiting");
        Assert.All(frames, f => Assert.True(f.FrameCase == GenerateResponse.FrameOneofCase.Waiting && f.Waiting.Queued));
        Assert.True(frames[^1].Waiting.WaitedMs > frames[0].Waiting.WaitedMs);
        await cancelFirst.CancelAsync();
    }

    [Fact]
    public async Task AGenerationPastTheLongestGenerationTimeEndsWithWhatItMadeAndFinishReasonLength()
    {
        using var server = new InferenceServer(tiny.ModelFolder, new Dictionary<string, string?>
        {
            ["Inference:MaxGenerationSeconds"] = "1",
        });
        var clock = Stopwatch.StartNew();
        using var call = server.Client.Generate(LongRun(2000));
        var streamed = await StreamedGeneration.ReadAsync(call);

        var summary = Assert.Single(streamed.Summaries);
        Assert.Equal(FinishReason.Length, summary.FinishReason);
        Assert.True(summary.CompletionTokens < 2000, $"{summary.CompletionTokens} tokens: the time limit never bit");
        Assert.Equal(summary.CompletionTokens, streamed.Deltas.Sum(d => d.TokenIds.Count));
        Assert.True(clock.Elapsed >= TimeSpan.FromSeconds(0.9), $"ended after {clock.Elapsed}");
    }
}
