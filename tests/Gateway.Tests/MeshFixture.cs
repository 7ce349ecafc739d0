extern alias gateway;
extern alias inference;

using System.Net;
using System.Net.Sockets;
using System.Text.Json.Nodes;
using FineTuneMesh.Core.Checkpoints;
using FineTuneMesh.ServiceDefaults;
using Microsoft.AspNetCore.Mvc.Testing;
using Microsoft.Extensions.DependencyInjection;
using AdmissionQueue = inference::FineTuneMesh.Inference.Service.Generation.AdmissionQueue;

namespace FineTuneMesh.Gateway.Tests;

/// <summary>
/// The inference service and the gateway on real Kestrel ports, as deployed: each with an
/// HTTP/1.1+2 port for REST and an HTTP/2-only port for gRPC, the gateway finding the service
/// through the <c>services:*</c> settings the AppHost would inject and requiring an API key. The
/// service serves a tiny model without an end-of-sequence token (long generations last) and runs
/// one generation at a time with no queue, so a second one is refused.
/// </summary>
public class MeshFixture : IDisposable
{
    public const string ApiKey = "mesh-test-key";

    private readonly string _folder = Path.Combine(Path.GetTempPath(), "ftm-tests", Guid.NewGuid().ToString("N"));
    private readonly WebApplicationFactory<inference::Program> _inference;
    private readonly WebApplicationFactory<gateway::Program> _gateway;

    public MeshFixture()
        : this(new Dictionary<string, string>(), new Dictionary<string, string>())
    {
    }

    /// <param name="inferenceSettings">Settings over the defaults above, for the inference service.</param>
    /// <param name="gatewaySettings">Settings for the gateway.</param>
    /// <param name="modelShape">The served model's shape; null for the tiny default.</param>
    protected MeshFixture(IReadOnlyDictionary<string, string> inferenceSettings, IReadOnlyDictionary<string, string> gatewaySettings,
        ModelFolderInitializer.Options? modelShape = null)
    {
        var model = Path.Combine(_folder, "mesh-model");
        ModelFolderInitializer.Write(model, modelShape ?? new ModelFolderInitializer.Options { Std = 0.2, Seed = 11 });
        RemoveEndOfSequence(model);
        BaseModelId = Path.GetFileName(model);

        InferenceRest = new Uri($"http://127.0.0.1:{FreePort()}");
        InferenceGrpc = new Uri($"http://127.0.0.1:{FreePort()}");
        GatewayRest = new Uri($"http://127.0.0.1:{FreePort()}");
        GatewayGrpc = new Uri($"http://127.0.0.1:{FreePort()}");

        _inference = new WebApplicationFactory<inference::Program>().WithWebHostBuilder(host => host
            .UseSetting(FineTuneSettings.BaseModel, model)
            .UseSetting(FineTuneSettings.Dtype, "fp32")
            .UseSetting("Inference:MaxConcurrentGenerations", "1")
            .UseSetting("Inference:MaxQueuedGenerations", "0")
            .UseSetting("Inference:RetryAfterMs", "2000")
            .UseSetting("Kestrel:Endpoints:http:Url", InferenceRest.ToString())
            .UseSetting("Kestrel:Endpoints:grpc:Url", InferenceGrpc.ToString())
            .UseSettings(inferenceSettings));
        _inference.UseKestrel();
        _inference.StartServer();

        _gateway = new WebApplicationFactory<gateway::Program>().WithWebHostBuilder(host => host
            .UseSetting("Gateway:ApiKey", ApiKey)
            .UseSetting("services:inference:http:0", InferenceRest.ToString())
            .UseSetting("services:inference:grpc:0", InferenceGrpc.ToString())
            .UseSetting("Kestrel:Endpoints:http:Url", GatewayRest.ToString())
            .UseSetting("Kestrel:Endpoints:grpc:Url", GatewayGrpc.ToString())
            .UseSettings(gatewaySettings));
        _gateway.UseKestrel();
        _gateway.StartServer();
    }

    public string BaseModelId { get; }

    public Uri InferenceRest { get; }

    public Uri InferenceGrpc { get; }

    public Uri GatewayRest { get; }

    public Uri GatewayGrpc { get; }

    /// <summary>Generations running or waiting in the inference service.</summary>
    public int Admitted => _inference.Services.GetRequiredService<AdmissionQueue>().Admitted;

    public async Task WaitUntilIdle(TimeSpan limit)
    {
        var clock = System.Diagnostics.Stopwatch.StartNew();
        while (Admitted > 0)
        {
            Assert.True(clock.Elapsed < limit, $"a generation was still running {limit.TotalSeconds} s after its client left.");
            await Task.Delay(20);
        }
    }

    public void Dispose()
    {
        Dispose(true);
        GC.SuppressFinalize(this);
    }

    protected virtual void Dispose(bool disposing)
    {
        _gateway.Dispose();
        _inference.Dispose();
        if (Directory.Exists(_folder))
        {
            Directory.Delete(_folder, recursive: true);
        }
    }

    private static int FreePort()
    {
        using var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        return ((IPEndPoint)listener.LocalEndpoint).Port;
    }

    private static void RemoveEndOfSequence(string folder)
    {
        foreach (var (file, key) in new[] { ("config.json", "eos_token_id"), ("generation_config.json", "eos_token_id"), ("tokenizer_config.json", "eos_token") })
        {
            var path = Path.Combine(folder, file);
            var json = JsonNode.Parse(File.ReadAllText(path))!.AsObject();
            json.Remove(key);
            File.WriteAllText(path, json.ToJsonString());
        }
    }
}
