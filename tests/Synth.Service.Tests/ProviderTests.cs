using System.Diagnostics;
using FineTuneMesh.Synth.Service.Generation;
using FineTuneMesh.Synth.Service.Providers;
using FineTuneMesh.Synth.Service.Tests.Loopback;
using Microsoft.Extensions.Logging.Abstractions;

namespace FineTuneMesh.Synth.Service.Tests;

/// <summary>
/// The official SDKs against loopback servers speaking their wire formats: plain and streamed
/// replies, 429 with Retry-After, 5xx, malformed replies, refusals, and the caps.
/// </summary>
public sealed class ProviderTests : IAsyncLifetime
{
    private const string Records = """{"examples": [{"question": "What is a set?", "answer": "A collection of unique items."}]}""";
    private static readonly string[] _fields = ["question", "answer"];
    private LoopbackLlmServer _server = null!;

    public async Task InitializeAsync() => _server = await LoopbackLlmServer.StartAsync();

    public async Task DisposeAsync() => await _server.DisposeAsync();

    private static HttpClient Http() => new(new RetryAfterHandler(TimeProvider.System) { InnerHandler = new SocketsHttpHandler() });

    private OpenAiCompatibleProvider OpenAi() =>
        new("loop", "test-model", new Uri(_server.BaseUrl, "/v1"), "sk-test-secret", Http(), TimeSpan.FromSeconds(30));

    private AnthropicProvider Anthropic() =>
        new("claude", "claude-test", _server.BaseUrl, "sk-ant-test-secret", Http(), TimeSpan.FromSeconds(30));

    private static ChatRequestOptions Options(bool stream = false, float? temperature = 0.7f) =>
        new(temperature, 0.9f, 512, stream, null);

    private static IReadOnlyList<PromptMessage> Prompt => [PromptMessage.System("Reply with JSON."), PromptMessage.User("Write 1 new examples")];

    private static BatchRequester Requester(int attempts = 4) => new(new SynthOptions
    {
        MaxAttemptsPerBatch = attempts,
        InitialBackoff = TimeSpan.FromMilliseconds(20),
        MaxBackoff = TimeSpan.FromMilliseconds(100),
    }, TimeProvider.System, NullLogger.Instance);

    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public async Task OpenAi_ReturnsTextAndUsage_PlainOrStreamed(bool stream)
    {
        _server.Script.Enqueue(LoopbackReply.Model(Records));

        var reply = await OpenAi().CompleteAsync(Prompt, Options(stream), CancellationToken.None);

        Assert.Equal(Records, reply.Text);
        Assert.Equal((100, 50), (reply.InputTokens, reply.OutputTokens));
        var request = Assert.Single(_server.Requests);
        Assert.Equal(stream, request.Stream);
        Assert.Equal("Bearer sk-test-secret", request.Headers["Authorization"]);
        Assert.Equal("test-model", request.Body.GetProperty("model").GetString());
        Assert.Equal(0.7, request.Body.GetProperty("temperature").GetDouble(), 3);
        Assert.Equal("system", request.Body.GetProperty("messages")[0].GetProperty("role").GetString());
    }

    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public async Task Anthropic_ReturnsTextAndUsage_PlainOrStreamed(bool stream)
    {
        _server.Script.Enqueue(LoopbackReply.Model(Records));

        var reply = await Anthropic().CompleteAsync(Prompt, Options(stream), CancellationToken.None);

        Assert.Equal(Records, reply.Text);
        Assert.Equal((80, 40), (reply.InputTokens, reply.OutputTokens));
        var request = Assert.Single(_server.Requests);
        Assert.Equal("/v1/messages", request.Path);
        Assert.Equal(stream, request.Stream);
        // SDK 13.14 sends the key as a bearer token (older versions used x-api-key); either reaches the API.
        var key = request.Headers.TryGetValue("x-api-key", out var apiKey) ? apiKey : request.Headers["Authorization"];
        Assert.EndsWith("sk-ant-test-secret", key);
        Assert.True(request.Headers.ContainsKey("anthropic-version"));
        Assert.Equal("Reply with JSON.", request.Body.GetProperty("system").GetString());
        Assert.Equal(0.7, request.Body.GetProperty("temperature").GetDouble(), 3);
        Assert.Equal(512, request.Body.GetProperty("max_tokens").GetInt32());
        Assert.Equal("user", Assert.Single(request.Body.GetProperty("messages").EnumerateArray()).GetProperty("role").GetString());
    }

    [Fact]
    public async Task StructuredOutput_SendsTheJsonSchema_ToBothFormats()
    {
        var schema = BatchPrompt.Schema(Sample.Template);
        _server.Script.Enqueue(LoopbackReply.Model(Records));
        _server.Script.Enqueue(LoopbackReply.Model(Records));

        await OpenAi().CompleteAsync(Prompt, Options() with { ResponseSchema = schema }, CancellationToken.None);
        await Anthropic().CompleteAsync(Prompt, Options() with { ResponseSchema = schema }, CancellationToken.None);

        var openAi = _server.Requests[0].Body.GetProperty("response_format");
        Assert.Equal("json_schema", openAi.GetProperty("type").GetString());
        Assert.True(openAi.GetProperty("json_schema").GetProperty("strict").GetBoolean());
        Assert.Equal("array", openAi.GetProperty("json_schema").GetProperty("schema").GetProperty("properties").GetProperty("examples").GetProperty("type").GetString());
        var anthropic = _server.Requests[1].Body.GetProperty("output_config").GetProperty("format");
        Assert.Equal("json_schema", anthropic.GetProperty("type").GetString());
    }

    [Theory]
    [InlineData("openai")]
    [InlineData("anthropic")]
    public async Task RateLimited_WithRetryAfter_WaitsThatLong_ThenSucceeds(string kind)
    {
        _server.Script.Enqueue(LoopbackReply.Error(429, """{"error": {"message": "slow down", "type": "rate_limit_error"}}""", ("Retry-After", "1")));
        _server.Script.Enqueue(LoopbackReply.Model(Records));
        IChatProvider provider = kind == "openai" ? OpenAi() : Anthropic();
        var budget = new SynthBudget(10, 1_000_000);

        var (reply, parsed) = await Requester().RequestAsync("job", 1, provider, Prompt, Options(), _fields, budget, CancellationToken.None);

        Assert.Single(parsed.Records);
        var requests = _server.Requests;
        Assert.Equal(2, requests.Count);
        var waited = requests[1].At - requests[0].At;
        Assert.True(waited >= TimeSpan.FromMilliseconds(950), $"waited only {waited.TotalMilliseconds} ms");
        Assert.Equal(2, budget.Requests);
        Assert.Equal(reply.InputTokens + reply.OutputTokens, budget.Tokens);
    }

    [Theory]
    [InlineData("openai")]
    [InlineData("anthropic")]
    public async Task ServerErrors_AreRetried_WithBackoff(string kind)
    {
        _server.Script.Enqueue(LoopbackReply.Error(500, """{"error": {"message": "boom"}}"""));
        _server.Script.Enqueue(LoopbackReply.Error(503, """{"error": {"message": "overloaded"}}"""));
        _server.Script.Enqueue(LoopbackReply.Model(Records));
        IChatProvider provider = kind == "openai" ? OpenAi() : Anthropic();

        var (_, parsed) = await Requester().RequestAsync("job", 1, provider, Prompt, Options(), _fields, new SynthBudget(10, 1_000_000), CancellationToken.None);

        Assert.Single(parsed.Records);
        Assert.Equal(3, _server.Requests.Count);
    }

    [Theory]
    [InlineData("openai")]
    [InlineData("anthropic")]
    public async Task MalformedReplies_ChatterOrBrokenJson_AreRetried(string kind)
    {
        _server.Script.Enqueue(LoopbackReply.Model("I'd be happy to help! Unfortunately I can't produce that right now."));
        _server.Script.Enqueue(LoopbackReply.Model("""{"examples": [{"question": "What is a set?", "answer": "A coll"""));
        _server.Script.Enqueue(LoopbackReply.Raw("{\"id\": \"broken"));
        _server.Script.Enqueue(LoopbackReply.Model("Here you go:\n```json\n" + Records + "\n```\nEnjoy!"));
        IChatProvider provider = kind == "openai" ? OpenAi() : Anthropic();

        var (_, parsed) = await Requester(attempts: 5).RequestAsync("job", 1, provider, Prompt, Options(), _fields, new SynthBudget(10, 1_000_000), CancellationToken.None);

        Assert.Equal("What is a set?", Assert.Single(parsed.Records)["question"]);
        Assert.Equal(4, _server.Requests.Count);
    }

    [Fact]
    public async Task Unauthorized_IsNotRetried_AndTheKeyIsNotInTheMessage()
    {
        _server.Script.Enqueue(LoopbackReply.Error(401, """{"error": {"message": "Incorrect API key provided"}}"""));

        var error = await Assert.ThrowsAsync<SynthLimitException>(() =>
            Requester().RequestAsync("job", 1, OpenAi(), Prompt, Options(), _fields, new SynthBudget(10, 1_000_000), CancellationToken.None));

        Assert.Contains("401", error.Message);
        Assert.DoesNotContain("sk-test-secret", error.Message);
        Assert.Single(_server.Requests);
    }

    [Fact]
    public async Task PersistentFailures_StopAfterTheAttemptLimit()
    {
        _server.Default = _ => LoopbackReply.Error(502, "bad gateway");

        var error = await Assert.ThrowsAsync<SynthLimitException>(() =>
            Requester(attempts: 3).RequestAsync("job", 1, OpenAi(), Prompt, Options(), _fields, new SynthBudget(10, 1_000_000), CancellationToken.None));

        Assert.Contains("failed 3 times", error.Message);
        Assert.Equal(3, _server.Requests.Count);
    }

    [Fact]
    public async Task TheRequestCap_StopsRetries_WithAClearReason()
    {
        _server.Default = _ => LoopbackReply.Error(500, "boom");

        var error = await Assert.ThrowsAsync<SynthLimitException>(() =>
            Requester(attempts: 10).RequestAsync("job", 1, OpenAi(), Prompt, Options(), _fields, new SynthBudget(2, 1_000_000), CancellationToken.None));

        Assert.Contains("request cap", error.Message);
        Assert.Equal(2, _server.Requests.Count);
    }

    [Fact]
    public async Task TheTokenCap_StopsTheNextCall()
    {
        var budget = new SynthBudget(10, maxTokens: 100);
        _server.Script.Enqueue(LoopbackReply.Model(Records));
        await Requester().RequestAsync("job", 1, OpenAi(), Prompt, Options(), _fields, budget, CancellationToken.None);

        var error = await Assert.ThrowsAsync<SynthLimitException>(() =>
            Requester().RequestAsync("job", 2, OpenAi(), Prompt, Options(), _fields, budget, CancellationToken.None));

        Assert.Contains("token cap", error.Message);
        Assert.Single(_server.Requests);
    }

    [Fact]
    public void ProviderOptions_NeverShowTheKey()
    {
        var options = new ChatProviderOptions { Kind = ProviderKind.Anthropic, ApiKey = "sk-ant-very-secret", Model = "m" };

        Assert.DoesNotContain("sk-ant-very-secret", options.ToString());
    }

    [Fact]
    public async Task Cancellation_StopsAWaitingRetry()
    {
        _server.Default = _ => LoopbackReply.Error(429, "{}", ("Retry-After", "30"));
        using var cancellation = new CancellationTokenSource(TimeSpan.FromMilliseconds(500));
        var clock = Stopwatch.StartNew();

        await Assert.ThrowsAnyAsync<OperationCanceledException>(() =>
            Requester().RequestAsync("job", 1, OpenAi(), Prompt, Options(), _fields, new SynthBudget(10, 1_000_000), cancellation.Token));

        Assert.True(clock.Elapsed < TimeSpan.FromSeconds(10));
    }
}
