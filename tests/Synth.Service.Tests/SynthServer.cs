using FineTuneMesh.Synth.Service.Tests.Loopback;
using Microsoft.AspNetCore.Mvc.Testing;

namespace FineTuneMesh.Synth.Service.Tests;

/// <summary>
/// The real synthesis service on a TestServer, configured with providers that point at a loopback
/// LLM server: <c>loop</c> (OpenAI format), <c>claude</c> (Anthropic format), and the trainer there too.
/// </summary>
public sealed class SynthServer : IDisposable
{
    private readonly WebApplicationFactory<Program> _factory;
    private readonly TempFolder _storage = new();

    public SynthServer(LoopbackLlmServer llm, IReadOnlyDictionary<string, string?>? settings = null)
    {
        var all = new Dictionary<string, string?>
        {
            ["Synth:StorageFolder"] = _storage.Path,
            ["Synth:InitialBackoff"] = "00:00:00.020",
            ["Synth:MaxBackoff"] = "00:00:00.100",
            ["Synth:TrainerUrl"] = llm.BaseUrl.ToString(),
            ["Synth:Providers:loop:Kind"] = "OpenAI",
            ["Synth:Providers:loop:BaseUrl"] = new Uri(llm.BaseUrl, "/v1").ToString(),
            ["Synth:Providers:loop:ApiKey"] = "sk-loop-secret",
            ["Synth:Providers:loop:Model"] = "loop-model",
            ["Synth:Providers:claude:Kind"] = "Anthropic",
            ["Synth:Providers:claude:BaseUrl"] = llm.BaseUrl.ToString(),
            ["Synth:Providers:claude:ApiKey"] = "sk-ant-secret",
            ["Synth:Providers:claude:Model"] = "claude-test",
            ["Synth:Providers:claude:Stream"] = "true",
        };
        foreach (var (key, value) in settings ?? new Dictionary<string, string?>())
        {
            all[key] = value;
        }

        _factory = new WebApplicationFactory<Program>().WithWebHostBuilder(host =>
        {
            foreach (var (key, value) in all)
            {
                host.UseSetting(key, value);
            }
        });
    }

    public string StorageFolder => _storage.Path;

    public IServiceProvider Services => _factory.Services;

    public HttpClient CreateClient() => _factory.CreateClient();

    public void Dispose()
    {
        _factory.Dispose();
        _storage.Dispose();
    }
}
