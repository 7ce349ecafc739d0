using System.Collections.Concurrent;
using System.Text.Json;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;

namespace FineTuneMesh.Synth.Service.Tests.Loopback;

/// <summary>
/// A real Kestrel server on 127.0.0.1 (port 0) that speaks the OpenAI chat-completions wire format
/// (<c>POST /v1/chat/completions</c>, JSON or SSE chunks ending in <c>[DONE]</c>) and the Anthropic
/// messages wire format (<c>POST /v1/messages</c>, JSON or named SSE events), plus the trainer's
/// <c>POST /api/train/jobs</c>. Replies come from <see cref="Script"/> in order, then from
/// <see cref="Default"/>; every request is recorded.
/// </summary>
public sealed class LoopbackLlmServer : IAsyncDisposable
{
    private readonly WebApplication _app;
    private readonly List<RecordedRequest> _requests = [];
    private int _ids;

    private LoopbackLlmServer(WebApplication app) => _app = app;

    public Uri BaseUrl { get; private set; } = null!;

    public ConcurrentQueue<LoopbackReply> Script { get; } = new();

    public Func<RecordedRequest, LoopbackReply> Default { get; set; } = _ => LoopbackReply.Model("[]");

    public IReadOnlyList<RecordedRequest> Requests
    {
        get
        {
            lock (_requests)
            {
                return [.. _requests];
            }
        }
    }

    public IReadOnlyList<RecordedRequest> TrainingJobs => [.. Requests.Where(r => r.Path == "/api/train/jobs")];

    public static async Task<LoopbackLlmServer> StartAsync()
    {
        var builder = WebApplication.CreateSlimBuilder();
        builder.WebHost.UseUrls("http://127.0.0.1:0");
        builder.Logging.ClearProviders();
        var app = builder.Build();
        var server = new LoopbackLlmServer(app);
        app.MapPost("/v1/chat/completions", context => server.HandleAsync(context, server.WriteOpenAiAsync));
        app.MapPost("/v1/messages", context => server.HandleAsync(context, server.WriteAnthropicAsync));
        app.MapPost("/api/train/jobs", async context =>
        {
            await server.RecordAsync(context);
            await context.Response.WriteAsJsonAsync(new { id = "train-1", status = "queued" });
        });
        await app.StartAsync();
        var address = app.Services.GetRequiredService<IServer>().Features.Get<IServerAddressesFeature>()!.Addresses.First();
        server.BaseUrl = new Uri(address);
        return server;
    }

    public async ValueTask DisposeAsync()
    {
        await _app.StopAsync();
        await _app.DisposeAsync();
    }

    private async Task<RecordedRequest> RecordAsync(HttpContext context)
    {
        using var document = await JsonDocument.ParseAsync(context.Request.Body);
        var request = new RecordedRequest(context.Request.Path, context.Request.Headers.ToDictionary(h => h.Key, h => h.Value.ToString(), StringComparer.OrdinalIgnoreCase),
            document.RootElement.Clone(), DateTimeOffset.UtcNow);
        lock (_requests)
        {
            _requests.Add(request);
        }

        return request;
    }

    private async Task HandleAsync(HttpContext context, Func<HttpContext, RecordedRequest, string, Task> writeText)
    {
        var request = await RecordAsync(context);
        var reply = Script.TryDequeue(out var next) ? next : Default(request);
        foreach (var (name, value) in reply.Headers ?? new Dictionary<string, string>())
        {
            context.Response.Headers[name] = value;
        }

        context.Response.StatusCode = reply.Status;
        if (reply.Text is { } text)
        {
            await writeText(context, request, text);
        }
        else
        {
            context.Response.ContentType = "application/json";
            await context.Response.WriteAsync(reply.RawBody ?? "");
        }
    }

    private async Task WriteOpenAiAsync(HttpContext context, RecordedRequest request, string text)
    {
        var id = $"chatcmpl-{Interlocked.Increment(ref _ids)}";
        var model = request.Body.GetProperty("model").GetString();
        var usage = new { prompt_tokens = 100, completion_tokens = 50, total_tokens = 150 };
        if (!request.Stream)
        {
            await context.Response.WriteAsJsonAsync(new
            {
                id,
                @object = "chat.completion",
                created = 1_700_000_000,
                model,
                choices = new[] { new { index = 0, message = new { role = "assistant", content = text }, finish_reason = "stop" } },
                usage,
            });
            return;
        }

        context.Response.ContentType = "text/event-stream";
        async Task Chunk(object chunk)
        {
            await context.Response.WriteAsync($"data: {JsonSerializer.Serialize(chunk)}\n\n");
            await context.Response.Body.FlushAsync();
        }

        await Chunk(new { id, @object = "chat.completion.chunk", created = 1_700_000_000, model, choices = new[] { new { index = 0, delta = new { role = "assistant", content = "" }, finish_reason = (string?)null } } });
        foreach (var piece in Pieces(text))
        {
            await Chunk(new { id, @object = "chat.completion.chunk", created = 1_700_000_000, model, choices = new[] { new { index = 0, delta = new { content = piece }, finish_reason = (string?)null } } });
        }

        await Chunk(new { id, @object = "chat.completion.chunk", created = 1_700_000_000, model, choices = new[] { new { index = 0, delta = new { }, finish_reason = "stop" } } });
        await Chunk(new { id, @object = "chat.completion.chunk", created = 1_700_000_000, model, choices = Array.Empty<object>(), usage });
        await context.Response.WriteAsync("data: [DONE]\n\n");
    }

    private async Task WriteAnthropicAsync(HttpContext context, RecordedRequest request, string text)
    {
        var id = $"msg_{Interlocked.Increment(ref _ids)}";
        var model = request.Body.GetProperty("model").GetString();
        if (!request.Stream)
        {
            await context.Response.WriteAsJsonAsync(new
            {
                id,
                type = "message",
                role = "assistant",
                model,
                content = new[] { new { type = "text", text } },
                stop_reason = "end_turn",
                stop_sequence = (string?)null,
                usage = new { input_tokens = 80, output_tokens = 40 },
            });
            return;
        }

        context.Response.ContentType = "text/event-stream";
        async Task Event(string name, object data)
        {
            await context.Response.WriteAsync($"event: {name}\ndata: {JsonSerializer.Serialize(data)}\n\n");
            await context.Response.Body.FlushAsync();
        }

        await Event("message_start", new
        {
            type = "message_start",
            message = new { id, type = "message", role = "assistant", model, content = Array.Empty<object>(), stop_reason = (string?)null, stop_sequence = (string?)null, usage = new { input_tokens = 80, output_tokens = 1 } },
        });
        await Event("content_block_start", new { type = "content_block_start", index = 0, content_block = new { type = "text", text = "" } });
        foreach (var piece in Pieces(text))
        {
            await Event("content_block_delta", new { type = "content_block_delta", index = 0, delta = new { type = "text_delta", text = piece } });
        }

        await Event("content_block_stop", new { type = "content_block_stop", index = 0 });
        await Event("message_delta", new { type = "message_delta", delta = new { stop_reason = "end_turn", stop_sequence = (string?)null }, usage = new { output_tokens = 40 } });
        await Event("message_stop", new { type = "message_stop" });
    }

    /// <summary>The text in small pieces, as a model streams it (pieces split JSON mid-token on purpose).</summary>
    private static IEnumerable<string> Pieces(string text)
    {
        for (var i = 0; i < text.Length; i += 7)
        {
            yield return text.Substring(i, Math.Min(7, text.Length - i));
        }
    }
}
