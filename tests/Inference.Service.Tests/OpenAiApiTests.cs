extern alias inference;

using System.Diagnostics;
using System.Net;
using System.Net.Http.Json;
using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;
using Microsoft.Extensions.DependencyInjection;
using AdmissionQueue = inference::FineTuneMesh.Inference.Service.Generation.AdmissionQueue;

namespace FineTuneMesh.Inference.Service.Tests;

/// <summary>The OpenAI-compatible REST API on the real service, with plain HTTP requests.</summary>
[Collection(InferenceCollection.Name)]
public sealed class OpenAiApiTests(TinyModelFixture tiny)
{
    private string BaseModelId => Path.GetFileName(tiny.ModelFolder);

    private static StringContent Json(object body) => new(JsonSerializer.Serialize(body), Encoding.UTF8, "application/json");

    private static async Task<(HttpStatusCode Status, JsonElement Body, HttpResponseMessage Response)> Post(HttpClient http, string path, object body)
    {
        var response = await http.PostAsync(path, Json(body));
        return (response.StatusCode, await response.Content.ReadFromJsonAsync<JsonElement>(), response);
    }

    /// <summary>Every <c>data:</c> payload of a server-sent event stream, [DONE] included.</summary>
    private static async Task<List<string>> ReadEvents(HttpResponseMessage response)
    {
        var events = new List<string>();
        using var reader = new StreamReader(await response.Content.ReadAsStreamAsync());
        while (await reader.ReadLineAsync() is { } line)
        {
            if (line.StartsWith("data: ", StringComparison.Ordinal))
            {
                events.Add(line["data: ".Length..]);
            }
        }

        return events;
    }

    private async Task WaitUntilIdle(InferenceServer server, TimeSpan limit)
    {
        var admission = server.Services.GetRequiredService<AdmissionQueue>();
        var clock = Stopwatch.StartNew();
        while (admission.Admitted > 0)
        {
            Assert.True(clock.Elapsed < limit, $"the generation was still running {limit.TotalSeconds} s after the client left.");
            await Task.Delay(20);
        }
    }

    [Fact]
    public async Task ModelsListsTheBaseModelAndEveryUsableAdapter()
    {
        using var http = tiny.Server.CreateHttpClient();

        var models = await http.GetFromJsonAsync<JsonElement>("/v1/models");
        var ids = models.GetProperty("data").EnumerateArray().Select(m => m.GetProperty("id").GetString()).ToList();

        Assert.Equal("list", models.GetProperty("object").GetString());
        Assert.Equal([BaseModelId, TinyModelFixture.OtherAdapterName, TinyModelFixture.AdapterName], ids);
        Assert.Equal("model", models.GetProperty("data")[0].GetProperty("object").GetString());
    }

    [Fact]
    public async Task AChatCompletionEqualsTheEnginesOwnAndReportsUsage()
    {
        using var http = tiny.Server.CreateHttpClient();
        var expectedPrompt = tiny.Reference.EncodeChat([new Prompts.ChatMessage("user", "Hello")]);
        var (expected, _) = await tiny.Reference.Generator.GenerateAsync(expectedPrompt,
            tiny.Reference.DefaultSampling() with { Temperature = 0, MaxNewTokens = 12 });

        var (status, body, _) = await Post(http, "/v1/chat/completions", new
        {
            model = BaseModelId,
            messages = new[] { new { role = "user", content = "Hello" } },
            temperature = 0,
            max_tokens = 12,
        });

        Assert.Equal(HttpStatusCode.OK, status);
        Assert.Equal("chat.completion", body.GetProperty("object").GetString());
        var choice = body.GetProperty("choices")[0];
        Assert.Equal(expected, choice.GetProperty("message").GetProperty("content").GetString());
        Assert.Equal("assistant", choice.GetProperty("message").GetProperty("role").GetString());
        Assert.Equal("length", choice.GetProperty("finish_reason").GetString());
        var usage = body.GetProperty("usage");
        Assert.Equal((expectedPrompt.Count, 12, expectedPrompt.Count + 12),
            (usage.GetProperty("prompt_tokens").GetInt32(), usage.GetProperty("completion_tokens").GetInt32(), usage.GetProperty("total_tokens").GetInt32()));
    }

    [Fact]
    public async Task AStreamedChatCompletionSendsARoleChunkContentAFinishReasonUsageAndDone()
    {
        using var http = tiny.Server.CreateHttpClient();
        var request = new
        {
            model = BaseModelId,
            messages = new object[] { new { role = "system", content = "Be brief." }, new { role = "user", content = new[] { new { type = "text", text = "Hello" } } } },
            temperature = 0,
            max_tokens = 10,
            stream = true,
            stream_options = new { include_usage = true },
        };
        var (_, whole, _) = await Post(http, "/v1/chat/completions", new
        {
            request.model,
            request.messages,
            request.temperature,
            request.max_tokens,
        });

        using var response = await http.SendAsync(new HttpRequestMessage(HttpMethod.Post, "/v1/chat/completions") { Content = Json(request) },
            HttpCompletionOption.ResponseHeadersRead);
        var events = await ReadEvents(response);

        Assert.Equal("text/event-stream", response.Content.Headers.ContentType?.MediaType);
        Assert.Equal("[DONE]", events[^1]);
        var chunks = events[..^1].Select(e => JsonNode.Parse(e)!).ToList();
        Assert.All(chunks, c => Assert.Equal("chat.completion.chunk", (string?)c["object"]));
        Assert.Equal("assistant", (string?)chunks[0]["choices"]![0]!["delta"]!["role"]);
        var content = string.Concat(chunks.Select(c => (string?)c["choices"]!.AsArray().FirstOrDefault()?["delta"]?["content"]));
        Assert.Equal(whole.GetProperty("choices")[0].GetProperty("message").GetProperty("content").GetString(), content);
        Assert.Equal("length", (string?)chunks[^2]["choices"]![0]!["finish_reason"]);
        Assert.Empty(chunks[^1]["choices"]!.AsArray());
        Assert.Equal(10, (int)chunks[^1]["usage"]!["completion_tokens"]!);
        Assert.Equal(whole.GetProperty("usage").GetProperty("prompt_tokens").GetInt32(), (int)chunks[^1]["usage"]!["prompt_tokens"]!);
    }

    [Fact]
    public async Task ACompletionStopsBeforeAStopStringSplitAcrossTokens()
    {
        using var http = tiny.Server.CreateHttpClient();
        var (full, free) = await tiny.Reference.Generator.GenerateAsync(tiny.Reference.Tokenizer.Encode("def main():"),
            tiny.Reference.DefaultSampling() with { Temperature = 0, RepetitionPenalty = 1.0, MaxNewTokens = 40 });
        var tokenizer = tiny.Reference.Tokenizer;
        var ids = free.CompletionTokenIds;
        // Two characters that straddle a token boundary, appearing nowhere earlier.
        var cut = Enumerable.Range(3, ids.Count - 5)
            .Select(i => tokenizer.Decode(ids.Take(i), true).Length)
            .First(n => n > 1 && n < full.Length - 1 && !full[..(n - 1)].Contains(full.Substring(n - 1, 2), StringComparison.Ordinal));
        var stop = full.Substring(cut - 1, 2);

        var (status, body, _) = await Post(http, "/v1/completions", new
        {
            model = BaseModelId,
            prompt = "def main():",
            temperature = 0,
            repetition_penalty = 1.0,
            max_tokens = 40,
            stop = new[] { "never-generated-marker", stop },
        });
        using var streamed = await http.SendAsync(new HttpRequestMessage(HttpMethod.Post, "/v1/completions")
        {
            Content = Json(new { model = BaseModelId, prompt = "def main():", temperature = 0, repetition_penalty = 1.0, max_tokens = 40, stop, stream = true }),
        }, HttpCompletionOption.ResponseHeadersRead);
        var events = await ReadEvents(streamed);
        var streamedText = string.Concat(events[..^1].Select(e => (string?)JsonNode.Parse(e)!["choices"]![0]!["text"]));

        Assert.Equal(HttpStatusCode.OK, status);
        var choice = body.GetProperty("choices")[0];
        Assert.Equal(full[..(cut - 1)], choice.GetProperty("text").GetString());
        Assert.Equal("stop", choice.GetProperty("finish_reason").GetString());
        Assert.Equal(full[..(cut - 1)], streamedText);
        Assert.DoesNotContain(events, e => e.Contains(stop, StringComparison.Ordinal));
    }

    [Fact]
    public async Task AnUnknownModelIs404WithAnOpenAiErrorBody()
    {
        using var http = tiny.Server.CreateHttpClient();

        var (status, body, _) = await Post(http, "/v1/chat/completions", new
        {
            model = "no-such-adapter",
            messages = new[] { new { role = "user", content = "Hello" } },
        });
        using var get = await http.GetAsync("/v1/models/no-such-adapter");

        Assert.Equal(HttpStatusCode.NotFound, status);
        var error = body.GetProperty("error");
        Assert.Contains("no-such-adapter", error.GetProperty("message").GetString());
        Assert.Equal("invalid_request_error", error.GetProperty("type").GetString());
        Assert.Equal("model", error.GetProperty("param").GetString());
        Assert.Equal("model_not_found", error.GetProperty("code").GetString());
        Assert.Equal(HttpStatusCode.NotFound, get.StatusCode);
    }

    [Fact]
    public async Task AnAdapterIsSelectedByTheModelField()
    {
        using var http = tiny.Server.CreateHttpClient();
        async Task<string?> Complete(string model) =>
            (await Post(http, "/v1/completions", new { model, prompt = "The quick brown fox", temperature = 0, repetition_penalty = 1.0, max_tokens = 20 }))
            .Body.GetProperty("choices")[0].GetProperty("text").GetString();

        var baseText = await Complete(BaseModelId);
        var adapted = await Complete(TinyModelFixture.AdapterName);

        Assert.NotEqual(baseText, adapted);
    }

    [Fact]
    public async Task MalformedJsonIs400WithTheParsersMessage()
    {
        using var http = tiny.Server.CreateHttpClient();

        using var response = await http.PostAsync("/v1/chat/completions", new StringContent("{\"model\": \"x\", \"messages\": [", Encoding.UTF8, "application/json"));
        var body = await response.Content.ReadFromJsonAsync<JsonElement>();
        var (wrongType, typed, _) = await Post(http, "/v1/chat/completions", new { model = BaseModelId, temperature = "hot", messages = Array.Empty<object>() });

        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
        Assert.Contains("could not parse the JSON body", body.GetProperty("error").GetProperty("message").GetString());
        Assert.Equal(HttpStatusCode.BadRequest, wrongType);
        Assert.Equal("temperature", typed.GetProperty("error").GetProperty("param").GetString());
    }

    [Theory]
    [InlineData("n", 2)]
    [InlineData("temperature", 3.5)]
    [InlineData("top_p", 0.0)]
    [InlineData("max_tokens", 0)]
    public async Task OutOfRangeSettingsAre400NamingTheParameter(string param, double value)
    {
        using var http = tiny.Server.CreateHttpClient();
        var request = new JsonObject
        {
            ["model"] = BaseModelId,
            ["messages"] = new JsonArray(new JsonObject { ["role"] = "user", ["content"] = "Hello" }),
            [param] = param is "n" or "max_tokens" ? JsonValue.Create((int)value) : JsonValue.Create(value),
        };

        var (status, body, _) = await Post(http, "/v1/chat/completions", request);

        Assert.Equal(HttpStatusCode.BadRequest, status);
        Assert.Equal(param, body.GetProperty("error").GetProperty("param").GetString());
    }

    [Fact]
    public async Task AnOversizePromptIs400WithTheNumbers()
    {
        using var http = tiny.Server.CreateHttpClient();
        var context = tiny.Reference.Config.MaxPositionEmbeddings;

        var (status, body, _) = await Post(http, "/v1/completions", new
        {
            model = BaseModelId,
            prompt = string.Concat(Enumerable.Repeat("lorem ipsum ", context)),
            max_tokens = 5,
        });

        Assert.Equal(HttpStatusCode.BadRequest, status);
        var error = body.GetProperty("error");
        Assert.Equal("context_length_exceeded", error.GetProperty("code").GetString());
        Assert.Contains($"{context}", error.GetProperty("message").GetString());
    }

    [Fact]
    public async Task AConfiguredPromptLimitIsEnforcedOnBothApis()
    {
        using var server = new InferenceServer(tiny.ModelFolder, new Dictionary<string, string?> { ["Inference:MaxPromptTokens"] = "4" });
        using var http = server.CreateHttpClient();

        var (status, body, _) = await Post(http, "/v1/completions", new { model = BaseModelId, prompt = "one two three four five six seven", max_tokens = 1 });
        var grpc = await Assert.ThrowsAsync<Grpc.Core.RpcException>(async () =>
        {
            using var call = server.Client.Generate(new V1.GenerateRequest { Prompt = "one two three four five six seven" });
            await StreamedGeneration.ReadAsync(call);
        });

        Assert.Equal(HttpStatusCode.BadRequest, status);
        Assert.Contains("at most 4", body.GetProperty("error").GetProperty("message").GetString());
        Assert.Equal(Grpc.Core.StatusCode.InvalidArgument, grpc.StatusCode);
        Assert.Contains("at most 4", grpc.Status.Detail);
    }

    [Fact]
    public async Task WhenTheQueueIsFullARequestIs429WithRetryAfter()
    {
        using var server = new InferenceServer(tiny.ModelFolder, new Dictionary<string, string?>
        {
            ["Inference:MaxConcurrentGenerations"] = "1",
            ["Inference:MaxQueuedGenerations"] = "0",
            ["Inference:RetryAfterMs"] = "1500",
        });
        using var http = server.CreateHttpClient();
        var longRun = new { model = BaseModelId, prompt = "The quick brown fox", max_tokens = 2000, stream = true };
        using (var first = await http.SendAsync(new HttpRequestMessage(HttpMethod.Post, "/v1/completions") { Content = Json(longRun) },
            HttpCompletionOption.ResponseHeadersRead))
        {
            Assert.Equal(HttpStatusCode.OK, first.StatusCode);

            var (status, body, response) = await Post(http, "/v1/completions", longRun with { stream = false });

            Assert.Equal((HttpStatusCode)429, status);
            Assert.Equal(TimeSpan.FromSeconds(2), response.Headers.RetryAfter?.Delta);
            Assert.Equal("1500", response.Headers.GetValues("retry-after-ms").Single());
            Assert.Contains("busy", body.GetProperty("error").GetProperty("message").GetString());
        }

        await WaitUntilIdle(server, TimeSpan.FromSeconds(5));
    }

    [Fact]
    public async Task AClientThatLeavesMidStreamStopsTheGeneration()
    {
        using var http = tiny.Server.CreateHttpClient();
        using var cancel = new CancellationTokenSource();
        var response = await http.SendAsync(new HttpRequestMessage(HttpMethod.Post, "/v1/chat/completions")
        {
            Content = Json(new { model = BaseModelId, messages = new[] { new { role = "user", content = "Hello" } }, max_tokens = 2000, stream = true }),
        }, HttpCompletionOption.ResponseHeadersRead, cancel.Token);
        using (var reader = new StreamReader(await response.Content.ReadAsStreamAsync(cancel.Token)))
        {
            for (var events = 0; events < 4;)
            {
                var line = await reader.ReadLineAsync(cancel.Token);
                Assert.NotNull(line);
                events += line.StartsWith("data: ", StringComparison.Ordinal) ? 1 : 0;
            }

            await cancel.CancelAsync();
        }

        response.Dispose();
        await WaitUntilIdle(tiny.Server, TimeSpan.FromSeconds(3));
    }
}
