extern alias inference;

using System.Diagnostics;
using FineTuneMesh.Inference.V1;
using Grpc.Core;
using Microsoft.Extensions.DependencyInjection;
using AdmissionQueue = inference::FineTuneMesh.Inference.Service.Generation.AdmissionQueue;
using CoreSampling = FineTuneMesh.Core.Generation.SamplingOptions;

namespace FineTuneMesh.Inference.Service.Tests;

[Collection(InferenceCollection.Name)]
public sealed class GenerateTests(TinyModelFixture tiny)
{
    private static SamplingParams Greedy(int maxTokens) => new() { Temperature = 0, RepetitionPenalty = 1.0, MaxTokens = maxTokens };

    private async Task<StreamedGeneration> Generate(string prompt, SamplingParams sampling, params string[] stop)
    {
        var request = new GenerateRequest { Prompt = prompt, Sampling = sampling };
        request.Stop.AddRange(stop);
        using var call = tiny.Server.Client.Generate(request);
        return await StreamedGeneration.ReadAsync(call);
    }

    /// <summary>What the engine itself generates for the same request, without the service.</summary>
    private Task<(string Text, Core.Generation.GenerationSummary Summary)> GenerateLocally(string prompt, int maxTokens) =>
        tiny.Reference.Generator.GenerateAsync(tiny.Reference.Tokenizer.Encode(prompt),
            tiny.Reference.DefaultSampling() with { Temperature = 0, RepetitionPenalty = 1.0, MaxNewTokens = maxTokens });

    private async Task WaitUntilIdle(TimeSpan limit)
    {
        var admission = tiny.Server.Services.GetRequiredService<AdmissionQueue>();
        var clock = Stopwatch.StartNew();
        while (admission.Admitted > 0)
        {
            Assert.True(clock.Elapsed < limit, $"the generation was still running {limit.TotalSeconds} s after the call ended.");
            await Task.Delay(20);
        }
    }

    [Fact]
    public async Task StreamsDeltasThenExactlyOneSummaryWhoseTextEqualsTheEnginesOwn()
    {
        var streamed = await Generate("The quick brown fox", Greedy(40));
        var (expected, summary) = await GenerateLocally("The quick brown fox", 40);

        Assert.NotEmpty(streamed.Deltas);
        Assert.Single(streamed.Summaries);
        Assert.Equal(GenerateResponse.FrameOneofCase.Summary, streamed.Frames[^1].FrameCase);
        Assert.Equal(expected, streamed.Text);
        var last = streamed.Summaries[0];
        Assert.Equal((int)summary.CompletionTokens, last.CompletionTokens);
        Assert.Equal(summary.PromptTokens, last.PromptTokens);
        Assert.Equal(summary.FinishReason == Core.Generation.FinishReason.Length ? FinishReason.Length : FinishReason.Stop, last.FinishReason);
        Assert.True(last.TimeToFirstTokenMs > 0);
    }

    [Fact]
    public async Task AStopStringSplitAcrossTokensNeverAppearsEvenInPart()
    {
        var (full, free) = await GenerateLocally("def main():", 40);
        var ids = free.CompletionTokenIds;
        var tokenizer = tiny.Reference.Tokenizer;
        // A stop string made of the last character of one token and the first of the next.
        var boundary = Enumerable.Range(3, ids.Count - 5)
            .First(i => tokenizer.Decode(ids.Take(i), true).Length is var n && n > 0 && n < full.Length - 1
                && !full[..(n - 1)].Contains(full.Substring(n - 1, 2), StringComparison.Ordinal));
        var cut = tokenizer.Decode(ids.Take(boundary), true).Length;
        var stop = full.Substring(cut - 1, 2);

        var unconstrained = await Generate("def main():", Greedy(40));
        var stopped = await Generate("def main():", Greedy(40), stop);

        Assert.Equal(full, unconstrained.Text);
        Assert.Equal(full[..(cut - 1)], stopped.Text);
        Assert.DoesNotContain(stopped.Deltas, d => d.Text.Contains(stop[0], StringComparison.Ordinal)
            && stopped.Text.IndexOf(stop[0], StringComparison.Ordinal) >= cut - 1);
        Assert.Equal(FinishReason.Stop, Assert.Single(stopped.Summaries).FinishReason);
    }

    [Fact]
    public async Task ChatMessagesAreRenderedWithTheModelsTemplate()
    {
        var request = new GenerateRequest { Messages = new ChatMessages(), Sampling = Greedy(10) };
        request.Messages.Messages.Add(new ChatMessage { Role = "user", Content = "Hello" });
        using var call = tiny.Server.Client.Generate(request);
        var streamed = await StreamedGeneration.ReadAsync(call);

        var expected = tiny.Reference.EncodeChat([new Prompts.ChatMessage("user", "Hello")]).Count;
        Assert.Equal(expected, Assert.Single(streamed.Summaries).PromptTokens);
    }

    [Fact]
    public async Task ClientCancellationAfterThreeDeltasStopsTheGenerationPromptly()
    {
        using var cancel = new CancellationTokenSource();
        using var call = tiny.Server.Client.Generate(
            new GenerateRequest { Prompt = "The quick brown fox", Sampling = Greedy(2000) }, cancellationToken: cancel.Token);
        var deltas = 0;
        var clock = Stopwatch.StartNew();
        var error = await Assert.ThrowsAsync<RpcException>(async () =>
        {
            await foreach (var frame in call.ResponseStream.ReadAllAsync())
            {
                Assert.Equal(GenerateResponse.FrameOneofCase.Delta, frame.FrameCase);
                if (++deltas == 3)
                {
                    clock.Restart();
                    await cancel.CancelAsync();
                }
            }
        });

        Assert.Equal(StatusCode.Cancelled, error.StatusCode);
        Assert.True(clock.Elapsed < TimeSpan.FromSeconds(2), $"the call took {clock.Elapsed} to end after cancelling.");
        await WaitUntilIdle(TimeSpan.FromSeconds(3));
    }

    [Fact]
    public async Task AnExpiredDeadlineStopsTheGeneration()
    {
        using var call = tiny.Server.Client.Generate(
            new GenerateRequest { Prompt = "The quick brown fox", Sampling = Greedy(2000) }, deadline: DateTime.UtcNow.AddMilliseconds(300));

        var error = await Assert.ThrowsAsync<RpcException>(() => StreamedGeneration.ReadAsync(call));

        // grpc-dotnet's server resets a stream whose deadline passes after its response began; whether
        // the client's own deadline timer or that reset reaches the client first is a race, and the
        // TestServer reports the reset as UNAVAILABLE, or, when it lands mid-read, as INTERNAL "reader was
        // completed". Either way the call ends and decoding stops.
        Assert.True(error.StatusCode == StatusCode.DeadlineExceeded
            || (error.StatusCode == StatusCode.Unavailable && error.Status.Detail.Contains("reset", StringComparison.Ordinal))
            || (error.StatusCode == StatusCode.Internal && error.Status.Detail.Contains("reader was completed", StringComparison.Ordinal)),
            error.ToString());
        await WaitUntilIdle(TimeSpan.FromSeconds(3));
    }

    [Theory]
    [InlineData(nameof(CoreSampling.TopP), "top_p")]
    [InlineData(nameof(CoreSampling.Temperature), "temperature")]
    [InlineData(nameof(CoreSampling.RepetitionPenalty), "repetition_penalty")]
    [InlineData(nameof(CoreSampling.MaxNewTokens), "max_new_tokens")]
    public async Task BadSamplingValuesAreInvalidArgumentsNamingTheSetting(string setting, string named)
    {
        var sampling = setting switch
        {
            nameof(CoreSampling.TopP) => new SamplingParams { TopP = 1.5 },
            nameof(CoreSampling.Temperature) => new SamplingParams { Temperature = -1 },
            nameof(CoreSampling.RepetitionPenalty) => new SamplingParams { RepetitionPenalty = 0 },
            _ => new SamplingParams { MaxTokens = 0 },
        };

        var error = await Assert.ThrowsAsync<RpcException>(() => Generate("hello", sampling));

        Assert.Equal(StatusCode.InvalidArgument, error.StatusCode);
        Assert.Contains(named, error.Status.Detail);
    }

    [Fact]
    public async Task EmptyAndOverlongPromptsAreInvalidArguments()
    {
        var empty = await Assert.ThrowsAsync<RpcException>(() => Generate("", Greedy(5)));
        var none = await Assert.ThrowsAsync<RpcException>(async () =>
        {
            using var call = tiny.Server.Client.Generate(new GenerateRequest { Sampling = Greedy(5) });
            await StreamedGeneration.ReadAsync(call);
        });
        var overlong = await Assert.ThrowsAsync<RpcException>(() =>
            Generate(string.Concat(Enumerable.Repeat("lorem ipsum ", tiny.Reference.Config.MaxPositionEmbeddings)), Greedy(5)));
        var emptyStop = await Assert.ThrowsAsync<RpcException>(() => Generate("hello", Greedy(5), ""));

        Assert.All([empty, none, overlong, emptyStop], e => Assert.Equal(StatusCode.InvalidArgument, e.StatusCode));
        Assert.Contains("prompt", empty.Status.Detail);
        Assert.Contains("context", overlong.Status.Detail);
        Assert.Contains("stop", emptyStop.Status.Detail);
    }
}
