using System.Diagnostics;
using System.Net.Http.Headers;
using System.Text;
using FineTuneMesh.Inference.V1;
using Grpc.Core;
using Grpc.Net.Client;
using InferenceClient = FineTuneMesh.Inference.V1.Inference.InferenceClient;

namespace FineTuneMesh.Gateway.Tests;

/// <summary>
/// A slow answer is not an error: a stream that waits in the inference queue for longer than the
/// gateway's idle limit still completes through the gateway, because the service starts its
/// response and sends keep-alives while it waits. The one decode slot is held by a stream read
/// slowly straight from the service, so the wait is the test's to choose.
/// </summary>
public sealed class QueuedStreamTests(QueueingMeshFixture mesh) : IClassFixture<QueueingMeshFixture>
{
    private static readonly Metadata _key = new() { { "x-api-key", MeshFixture.ApiKey } };
    private static readonly TimeSpan _held = QueueingMeshFixture.ProxyIdleLimit + TimeSpan.FromSeconds(1.5);

    private static GenerateRequest Greedy(string prompt, int maxTokens) =>
        new() { Prompt = prompt, Sampling = new SamplingParams { Temperature = 0, RepetitionPenalty = 1.0, MaxTokens = maxTokens } };

    /// <summary>Takes the decode slot with a direct stream, read slowly until <paramref name="release"/>; then cancels it.</summary>
    private async Task<Task> HoldTheSlotAsync(CancellationToken release)
    {
        var channel = GrpcChannel.ForAddress(mesh.InferenceGrpc);
        var call = new InferenceClient(channel).Generate(Greedy("The quick brown fox", 2000), cancellationToken: release);
        Assert.True(await call.ResponseStream.MoveNext(CancellationToken.None));
        return Task.Run(async () =>
        {
            using (channel)
            using (call)
            {
                try
                {
                    while (await call.ResponseStream.MoveNext(CancellationToken.None))
                    {
                        await Task.Delay(20, CancellationToken.None);
                    }
                }
                catch (RpcException e) when (e.StatusCode == StatusCode.Cancelled)
                {
                }
            }
        }, CancellationToken.None);
    }

    [Fact]
    public async Task AGrpcStreamQueuedLongerThanTheGatewayIdleLimitCompletesThroughTheGateway()
    {
        await mesh.WaitUntilIdle(TimeSpan.FromSeconds(5));
        using var release = new CancellationTokenSource();
        var holder = await HoldTheSlotAsync(release.Token);

        using var channel = GrpcChannel.ForAddress(mesh.GatewayGrpc);
        using var queued = new InferenceClient(channel).Generate(Greedy("hello", 5), _key);
        var frames = new List<GenerateResponse>();
        var clock = Stopwatch.StartNew();
        var reading = Task.Run(async () =>
        {
            await foreach (var frame in queued.ResponseStream.ReadAllAsync())
            {
                frames.Add(frame);
            }
        });

        await Task.Delay(_held);
        Assert.False(reading.IsCompleted, "the queued stream ended while the slot was still held");
        await release.CancelAsync();
        await reading;
        await holder;

        var waiting = frames.TakeWhile(f => f.FrameCase == GenerateResponse.FrameOneofCase.Waiting).ToList();
        Assert.True(waiting.Count >= 3, $"{waiting.Count} keep-alive frame(s)");
        Assert.True(waiting.All(f => f.Waiting.Queued));
        Assert.True(waiting[^1].Waiting.WaitedMs >= QueueingMeshFixture.ProxyIdleLimit.TotalMilliseconds,
            $"waited only {waiting[^1].Waiting.WaitedMs} ms in the queue, within the idle limit");
        Assert.Equal(GenerateResponse.FrameOneofCase.Summary, frames[^1].FrameCase);
        Assert.Equal(5, frames[^1].Summary.CompletionTokens);
        Assert.True(clock.Elapsed >= _held);
    }

    [Fact]
    public async Task AServerSentEventStreamQueuedLongerThanTheGatewayIdleLimitCompletesThroughTheGateway()
    {
        await mesh.WaitUntilIdle(TimeSpan.FromSeconds(5));
        using var release = new CancellationTokenSource();
        var holder = await HoldTheSlotAsync(release.Token);

        using var http = new HttpClient { BaseAddress = mesh.GatewayRest };
        http.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer", MeshFixture.ApiKey);
        var body = $$"""{"model": "{{mesh.BaseModelId}}", "prompt": "hello", "max_tokens": 5, "temperature": 0, "stream": true}""";
        var sending = http.SendAsync(new HttpRequestMessage(HttpMethod.Post, "/v1/completions")
        {
            Content = new StringContent(body, Encoding.UTF8, "application/json"),
        }, HttpCompletionOption.ResponseHeadersRead);

        // The response has begun while the request still waits: its headers arrive before the slot is free.
        using var response = await sending.WaitAsync(_held);
        Assert.Equal(System.Net.HttpStatusCode.OK, response.StatusCode);
        var reading = response.Content.ReadAsStringAsync();
        await Task.Delay(_held);
        Assert.False(reading.IsCompleted, "the queued stream ended while the slot was still held");
        await release.CancelAsync();
        var text = await reading;
        await holder;

        Assert.True(text.Split(": keep-alive").Length - 1 >= 3, text);
        Assert.Contains("\"finish_reason\":\"length\"", text);
        Assert.EndsWith("data: [DONE]\n\n", text);
    }
}
