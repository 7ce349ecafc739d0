using System.Text.Json;
using System.Text.Json.Nodes;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;

namespace FineTuneMesh.Mesh.Tests;

/// <summary>
/// A stand-in for an external LLM API in the mesh tests: a real Kestrel server on loopback that
/// speaks OpenAI chat completions and answers every request with the next records of the shipped
/// sample dataset (the tiny model the mesh runs on writes nothing the quality gate would accept).
/// </summary>
public sealed class FakeChatServer : IAsyncDisposable
{
    private const int RecordsPerReply = 10;
    private readonly WebApplication _app;
    private readonly string[] _records;
    private int _next;

    private FakeChatServer(WebApplication app, string[] records)
    {
        _app = app;
        _records = records;
    }

    public Uri BaseUrl => new(_app.Services.GetRequiredService<IServer>().Features.Get<IServerAddressesFeature>()!.Addresses.First() + "/v1");

    public int Requests { get; private set; }

    public static async Task<FakeChatServer> StartAsync()
    {
        // The seeds are the file's first two lines; the rest are what the "LLM" writes.
        var records = (await File.ReadAllLinesAsync(Path.Combine(RepoRoot.Path, "samples", "python-qa", "dataset.jsonl")))
            .Where(l => l.Length > 0).Skip(2).ToArray();
        var builder = WebApplication.CreateSlimBuilder();
        builder.WebHost.UseUrls("http://127.0.0.1:0");
        builder.Logging.ClearProviders();
        var app = builder.Build();
        var server = new FakeChatServer(app, records);
        app.MapPost("/v1/chat/completions", server.Complete);
        await app.StartAsync();
        return server;
    }

    public async ValueTask DisposeAsync() => await _app.DisposeAsync();

    private IResult Complete()
    {
        Requests++;
        var batch = new JsonArray([.. Enumerable.Range(0, RecordsPerReply)
            .Select(i => JsonNode.Parse(_records[(_next + i) % _records.Length]))]);
        _next += RecordsPerReply;
        var content = "Here are the new examples:\n```json\n" + batch.ToJsonString() + "\n```";
        return Results.Json(new
        {
            id = $"chatcmpl-{Requests}",
            @object = "chat.completion",
            created = 0,
            model = "fake",
            choices = new[] { new { index = 0, message = new { role = "assistant", content }, finish_reason = "stop" } },
            usage = new { prompt_tokens = 200, completion_tokens = 400, total_tokens = 600 },
        }, new JsonSerializerOptions());
    }
}
