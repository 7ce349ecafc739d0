using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using FineTuneMesh.Inference.V1;
using Grpc.Core;

namespace FineTuneMesh.Inference.Service.Tests;

/// <summary>
/// The attention-cache budget on the real service. The tiny model caches 512 bytes a position
/// (2 layers x keys and values x 2 heads x 16 dims x 4 bytes), so a 0.6 MB budget holds about
/// 1,228 positions: one 1,000-token generation, not two.
/// </summary>
[Collection(InferenceCollection.Name)]
public sealed class KvBudgetTests(TinyModelFixture tiny)
{
    private static GenerateRequest Request(int maxTokens) => new()
    {
        Prompt = "The quick brown fox",
        Sampling = new SamplingParams { Temperature = 0, RepetitionPenalty = 1.0, MaxTokens = maxTokens },
    };

    [Fact]
    public async Task GenerationsPastTheBudgetAreRefusedAsBusyUntilItIsHandedBack()
    {
        using var server = new InferenceServer(tiny.ModelFolder, new Dictionary<string, string?>
        {
            ["Inference:MaxKvCacheMB"] = "0.6",
            ["Inference:RetryAfterMs"] = "250",
        });
        using var http = server.CreateHttpClient();

        // The first long generation holds its reservation while it streams (its reader is slow).
        using var cancelFirst = new CancellationTokenSource();
        using var first = server.Client.Generate(Request(1000), cancellationToken: cancelFirst.Token);
        Assert.True(await first.ResponseStream.MoveNext(CancellationToken.None));
        var kv = (await http.GetFromJsonAsync<JsonElement>("/api/inference/info")).GetProperty("kvCache");
        Assert.Equal((long)(0.6 * (1 << 20)), kv.GetProperty("budgetBytes").GetInt64());
        Assert.Equal(1, kv.GetProperty("generations").GetInt32());
        Assert.InRange(kv.GetProperty("reservedBytes").GetInt64(), 1001 * 512, 1100 * 512);

        // A second one that long does not fit beside it: busy, with the retry hint, over gRPC and REST.
        var refused = await Assert.ThrowsAsync<RpcException>(() => StreamedGeneration.ReadAsync(server.Client.Generate(Request(1000))));
        Assert.Equal(StatusCode.ResourceExhausted, refused.StatusCode);
        Assert.Contains("attention-cache budget is taken", refused.Status.Detail);
        Assert.Equal("250", refused.Trailers.GetValue("retry-after-ms"));
        using var rest = await http.PostAsJsonAsync("/v1/completions",
            new { model = Path.GetFileName(tiny.ModelFolder), prompt = "The quick brown fox", max_tokens = 1000, temperature = 0 });
        Assert.Equal(HttpStatusCode.TooManyRequests, rest.StatusCode);
        Assert.Contains("Inference:MaxKvCacheMB", (await rest.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("error").GetProperty("message").GetString());

        // A short one still fits in what is left.
        Assert.Equal(100, (await StreamedGeneration.ReadAsync(server.Client.Generate(Request(100)))).Summaries.Single().CompletionTokens);

        // One that could never fit is invalid, not busy: retrying would not help.
        var tooLong = await Assert.ThrowsAsync<RpcException>(() => StreamedGeneration.ReadAsync(server.Client.Generate(Request(1500))));
        Assert.Equal(StatusCode.InvalidArgument, tooLong.StatusCode);
        Assert.Contains("whole budget", tooLong.Status.Detail);

        // Once the first ends, its reservation is handed back and the long request is served.
        await cancelFirst.CancelAsync();
        await Assert.ThrowsAsync<RpcException>(() => StreamedGeneration.ReadAsync(first));
        var served = await ReadWhenReservationIsBack(server);
        Assert.Equal(1000, served.Summaries.Single().CompletionTokens);
        kv = (await http.GetFromJsonAsync<JsonElement>("/api/inference/info")).GetProperty("kvCache");
        Assert.Equal(0, kv.GetProperty("reservedBytes").GetInt64());
        Assert.Equal(0, kv.GetProperty("generations").GetInt32());
    }

    /// <summary>The cancelled call's reservation is handed back just after the client sees it end; allow for that.</summary>
    private static async Task<StreamedGeneration> ReadWhenReservationIsBack(InferenceServer server)
    {
        for (var attempt = 0; ; attempt++)
        {
            try
            {
                return await StreamedGeneration.ReadAsync(server.Client.Generate(Request(1000)));
            }
            catch (RpcException e) when (e.StatusCode == StatusCode.ResourceExhausted && attempt < 50)
            {
                await Task.Delay(50);
            }
        }
    }
}
