using System.ClientModel;
using System.Net;
using System.Net.Http.Headers;
using System.Text;
using FineTuneMesh.Inference.V1;
using Grpc.Core;
using Grpc.Health.V1;
using Grpc.Net.Client;
using OpenAI;
using OpenAI.Chat;
using InferenceClient = FineTuneMesh.Inference.V1.Inference.InferenceClient;

namespace FineTuneMesh.Gateway.Tests;

/// <summary>Real clients (the official OpenAI SDK, Grpc.Net.Client, HttpClient) through the gateway to the inference service.</summary>
public sealed class ThroughTheGatewayTests(MeshFixture mesh) : IClassFixture<MeshFixture>
{
    private static readonly Metadata _key = new() { { "x-api-key", MeshFixture.ApiKey } };

    private ChatClient Chat(string key = MeshFixture.ApiKey) => new(mesh.BaseModelId, new ApiKeyCredential(key), new OpenAIClientOptions
    {
        Endpoint = new Uri(mesh.GatewayRest, "/v1"),
        // The SDK retries 429 and 5xx by default; these tests want to see the first answer.
        RetryPolicy = new System.ClientModel.Primitives.ClientRetryPolicy(0),
        // A stream the test leaves must close at once (see Http()); the SDK's own client drains.
        Transport = new System.ClientModel.Primitives.HttpClientPipelineTransport(_leavingClient),
    });

    private static readonly HttpClient _leavingClient = new(new SocketsHttpHandler { MaxResponseDrainSize = 0 });

    private static InferenceClient Grpc(Uri address, out GrpcChannel channel)
    {
        channel = GrpcChannel.ForAddress(address);
        return new InferenceClient(channel);
    }

    private static GenerateRequest Greedy(string prompt, int maxTokens, params string[] stop)
    {
        var request = new GenerateRequest { Prompt = prompt, Sampling = new SamplingParams { Temperature = 0, RepetitionPenalty = 1.0, MaxTokens = maxTokens } };
        request.Stop.AddRange(stop);
        return request;
    }

    private static async Task<List<GenerateResponse>> ReadAll(AsyncServerStreamingCall<GenerateResponse> call)
    {
        var frames = new List<GenerateResponse>();
        await foreach (var frame in call.ResponseStream.ReadAllAsync())
        {
            frames.Add(frame);
        }

        return frames;
    }

    private HttpClient Http()
    {
        // A client that leaves closes its connection at once: by default HttpClient first drains up
        // to 1 MB of an unread response for up to 2 s, which kept long streams running after the
        // test had left them, past WaitUntilIdle's limit on a slow machine.
        var http = new HttpClient(new SocketsHttpHandler { MaxResponseDrainSize = 0 }) { BaseAddress = mesh.GatewayRest };
        http.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer", MeshFixture.ApiKey);
        return http;
    }

    [Fact]
    public async Task TheOpenAiSdkStreamsAChatCompletionThroughTheGateway()
    {
        var chat = Chat();
        var options = new ChatCompletionOptions { Temperature = 0, MaxOutputTokenCount = 12 };
        OpenAI.Chat.ChatMessage[] messages = [new SystemChatMessage("Be brief."), new UserChatMessage("Hello")];

        var whole = (await chat.CompleteChatAsync(messages, options)).Value;
        var text = new StringBuilder();
        ChatFinishReason? finish = null;
        ChatTokenUsage? usage = null;
        var updates = 0;
        await foreach (var update in chat.CompleteChatStreamingAsync(messages, options))
        {
            updates++;
            text.Append(string.Concat(update.ContentUpdate.Select(p => p.Text)));
            finish ??= update.FinishReason;
            usage ??= update.Usage;
        }

        Assert.Equal(whole.Content[0].Text, text.ToString());
        Assert.True(updates > 2, $"{updates} updates");
        Assert.Equal(ChatFinishReason.Length, finish);
        Assert.Equal(ChatFinishReason.Length, whole.FinishReason);
        Assert.Equal(12, whole.Usage.OutputTokenCount);
        Assert.NotNull(usage);
        Assert.Equal((whole.Usage.InputTokenCount, 12), (usage.InputTokenCount, usage.OutputTokenCount));
    }

    [Fact]
    public async Task TheOpenAiSdkListsTheBaseModelAndIsRefusedWithoutTheKey()
    {
        var models = new OpenAIClient(new ApiKeyCredential(MeshFixture.ApiKey), new OpenAIClientOptions { Endpoint = new Uri(mesh.GatewayRest, "/v1") })
            .GetOpenAIModelClient();

        var listed = (await models.GetModelsAsync()).Value;
        var refused = await Assert.ThrowsAsync<ClientResultException>(() => Chat("wrong-key").CompleteChatAsync([new UserChatMessage("Hello")]));
        var unknown = await Assert.ThrowsAsync<ClientResultException>(() =>
            new ChatClient("no-such-model", new ApiKeyCredential(MeshFixture.ApiKey), new OpenAIClientOptions { Endpoint = new Uri(mesh.GatewayRest, "/v1") })
                .CompleteChatAsync([new UserChatMessage("Hello")]));

        Assert.Contains(listed, m => m.Id == mesh.BaseModelId);
        Assert.Equal(401, refused.Status);
        Assert.Equal(404, unknown.Status);
        Assert.Contains("no-such-model", unknown.Message);
    }

    [Fact]
    public async Task GrpcStreamsThroughTheGatewayAsDirectAndAStopStringSplitAcrossTokensNeverLeaks()
    {
        var direct = Grpc(mesh.InferenceGrpc, out var directChannel);
        var proxied = Grpc(mesh.GatewayGrpc, out var proxiedChannel);
        using (directChannel)
        using (proxiedChannel)
        {
            using var directCall = direct.Generate(Greedy("def main():", 40));
            var expected = await ReadAll(directCall);
            using var proxiedCall = proxied.Generate(Greedy("def main():", 40), _key);
            var frames = await ReadAll(proxiedCall);

            Assert.Equal(expected.Select(f => f.Delta?.Text), frames.Select(f => f.Delta?.Text));
            Assert.Equal(GenerateResponse.FrameOneofCase.Summary, frames[^1].FrameCase);

            // Two characters on either side of a delta boundary, appearing nowhere earlier.
            var texts = frames.Where(f => f.FrameCase == GenerateResponse.FrameOneofCase.Delta).Select(f => f.Delta.Text).ToList();
            var full = string.Concat(texts);
            var boundary = Enumerable.Range(2, texts.Count - 3)
                .Select(i => string.Concat(texts.Take(i)).Length)
                .First(n => n > 1 && n < full.Length - 1 && !full[..(n - 1)].Contains(full.Substring(n - 1, 2), StringComparison.Ordinal));
            var stop = full.Substring(boundary - 1, 2);
            using var stoppedCall = proxied.Generate(Greedy("def main():", 40, stop), _key);
            var stopped = await ReadAll(stoppedCall);

            Assert.Equal(full[..(boundary - 1)], string.Concat(stopped.Where(f => f.Delta is not null).Select(f => f.Delta.Text)));
            Assert.Equal(FinishReason.Stop, stopped[^1].Summary.FinishReason);
        }
    }

    [Fact]
    public async Task GrpcWithoutTheKeyIsUnauthenticatedAndHealthPassesThrough()
    {
        var client = Grpc(mesh.GatewayGrpc, out var channel);
        using (channel)
        {
            var error = await Assert.ThrowsAsync<RpcException>(async () =>
            {
                using var call = client.Generate(Greedy("hello", 3));
                await ReadAll(call);
            });
            var health = await new Health.HealthClient(channel).CheckAsync(new HealthCheckRequest(), _key);

            Assert.Equal(StatusCode.Unauthenticated, error.StatusCode);
            Assert.Contains("API key", error.Status.Detail);
            Assert.Equal(HealthCheckResponse.Types.ServingStatus.Serving, health.Status);
        }
    }

    [Fact]
    public async Task StreamsArriveUnbufferedAndACancelledStreamStopsTheGeneration()
    {
        // REST through the gateway: the first events arrive while the generation is still running.
        using var cancel = new CancellationTokenSource();
        var updates = 0;
        await Assert.ThrowsAnyAsync<OperationCanceledException>(async () =>
        {
            await foreach (var update in Chat().CompleteChatStreamingAsync([new UserChatMessage("Hello")],
                new ChatCompletionOptions { MaxOutputTokenCount = 2000 }, cancel.Token))
            {
                if (++updates == 3)
                {
                    Assert.Equal(1, mesh.Admitted);
                    await cancel.CancelAsync();
                }
            }
        });
        await mesh.WaitUntilIdle(TimeSpan.FromSeconds(3));

        // gRPC through the gateway, likewise.
        var client = Grpc(mesh.GatewayGrpc, out var channel);
        using (channel)
        {
            using var stop = new CancellationTokenSource();
            using var call = client.Generate(Greedy("The quick brown fox", 2000), _key, cancellationToken: stop.Token);
            Assert.True(await call.ResponseStream.MoveNext(CancellationToken.None));
            Assert.Equal(1, mesh.Admitted);
            await stop.CancelAsync();
            await Assert.ThrowsAsync<RpcException>(() => call.ResponseStream.MoveNext(CancellationToken.None));
        }

        await mesh.WaitUntilIdle(TimeSpan.FromSeconds(3));
    }

    [Fact]
    public async Task UnderSaturationRestGets429WithRetryAfterAndGrpcResourceExhausted()
    {
        using var http = Http();
        var body = $$"""{"model": "{{mesh.BaseModelId}}", "prompt": "The quick brown fox", "max_tokens": 2000, "stream": true}""";
        using (var first = await http.SendAsync(new HttpRequestMessage(HttpMethod.Post, "/v1/completions")
            {
                Content = new StringContent(body, Encoding.UTF8, "application/json"),
            }, HttpCompletionOption.ResponseHeadersRead))
        {
            Assert.Equal(HttpStatusCode.OK, first.StatusCode);

            using var second = await http.PostAsync("/v1/completions", new StringContent(body, Encoding.UTF8, "application/json"));
            var client = Grpc(mesh.GatewayGrpc, out var channel);
            using (channel)
            {
                var grpcError = await Assert.ThrowsAsync<RpcException>(async () =>
                {
                    using var call = client.Generate(Greedy("hello", 3), _key);
                    await ReadAll(call);
                });

                Assert.Equal((HttpStatusCode)429, second.StatusCode);
                Assert.Equal(TimeSpan.FromSeconds(2), second.Headers.RetryAfter?.Delta);
                Assert.Contains("\"code\":\"server_busy\"", await second.Content.ReadAsStringAsync());
                Assert.Equal(StatusCode.ResourceExhausted, grpcError.StatusCode);
                Assert.Equal("2000", grpcError.Trailers.GetValue("retry-after-ms"));
            }
        }

        await mesh.WaitUntilIdle(TimeSpan.FromSeconds(3));
    }
}
