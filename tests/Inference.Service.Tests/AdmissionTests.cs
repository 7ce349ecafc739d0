using FineTuneMesh.Inference.V1;
using Grpc.Core;

namespace FineTuneMesh.Inference.Service.Tests;

[Collection(InferenceCollection.Name)]
public sealed class AdmissionTests(TinyModelFixture tiny)
{
    [Fact]
    public async Task WhenEverySlotAndQueuePlaceIsTakenARequestIsRefusedWithARetryHint()
    {
        using var server = new InferenceServer(tiny.ModelFolder, new Dictionary<string, string?>
        {
            ["Inference:MaxConcurrentGenerations"] = "1",
            ["Inference:MaxQueuedGenerations"] = "0",
            ["Inference:RetryAfterMs"] = "750",
        });
        var longRun = new GenerateRequest
        {
            Prompt = "The quick brown fox",
            Sampling = new SamplingParams { Temperature = 0, RepetitionPenalty = 1.0, MaxTokens = 2000 },
        };
        using var cancelFirst = new CancellationTokenSource();
        using var first = server.Client.Generate(longRun, cancellationToken: cancelFirst.Token);
        Assert.True(await first.ResponseStream.MoveNext(CancellationToken.None));

        var refused = await Assert.ThrowsAsync<RpcException>(async () =>
        {
            using var second = server.Client.Generate(longRun);
            await StreamedGeneration.ReadAsync(second);
        });

        Assert.Equal(StatusCode.ResourceExhausted, refused.StatusCode);
        Assert.Equal("750", refused.Trailers.GetValue("retry-after-ms"));
        await cancelFirst.CancelAsync();
        await Assert.ThrowsAsync<RpcException>(() => StreamedGeneration.ReadAsync(first));

        // Once the slot is free again, the next request is served.
        using var third = server.Client.Generate(new GenerateRequest
        {
            Prompt = "hello",
            Sampling = new SamplingParams { Temperature = 0, MaxTokens = 3 },
        });
        Assert.Single((await ReadWhenAdmitted(server, third)).Summaries);
    }

    /// <summary>The cancelled call's slot is handed back just after the client sees it end; allow for that.</summary>
    private static async Task<StreamedGeneration> ReadWhenAdmitted(InferenceServer server, AsyncServerStreamingCall<GenerateResponse> call)
    {
        for (var attempt = 0; ; attempt++)
        {
            try
            {
                return await StreamedGeneration.ReadAsync(call);
            }
            catch (RpcException e) when (e.StatusCode == StatusCode.ResourceExhausted && attempt < 50)
            {
                await Task.Delay(50);
                call = server.Client.Generate(new GenerateRequest
                {
                    Prompt = "hello",
                    Sampling = new SamplingParams { Temperature = 0, MaxTokens = 3 },
                });
            }
        }
    }
}
