extern alias inference;

using FineTuneMesh.ServiceDefaults;
using Grpc.Net.Client;
using Microsoft.AspNetCore.Mvc.Testing;
using InferenceClient = FineTuneMesh.Inference.V1.Inference.InferenceClient;

namespace FineTuneMesh.Inference.Service.Tests;

/// <summary>
/// The real service on a TestServer, with a real gRPC client over HTTP/2. The base model is a
/// tiny model folder written by the test.
/// </summary>
public sealed class InferenceServer : IDisposable
{
    private readonly WebApplicationFactory<inference::Program> _factory;
    private readonly GrpcChannel _channel;

    public InferenceServer(string baseModel, IReadOnlyDictionary<string, string?>? settings = null)
    {
        _factory = new WebApplicationFactory<inference::Program>().WithWebHostBuilder(host =>
        {
            host.UseSetting(FineTuneSettings.BaseModel, baseModel);
            host.UseSetting(FineTuneSettings.Dtype, "fp32");
            foreach (var (key, value) in settings ?? new Dictionary<string, string?>())
            {
                host.UseSetting(key, value);
            }
        });
        _channel = GrpcChannel.ForAddress(_factory.Server.BaseAddress, new GrpcChannelOptions
        {
            HttpHandler = _factory.Server.CreateHandler(),
        });
        Client = new InferenceClient(_channel);
    }

    public InferenceClient Client { get; }

    public IServiceProvider Services => _factory.Services;

    public HttpClient CreateHttpClient() => _factory.CreateClient();

    /// <summary>Another channel to the same server, for clients of other services (health, reflection).</summary>
    public GrpcChannel CreateGrpcChannel() => GrpcChannel.ForAddress(_factory.Server.BaseAddress, new GrpcChannelOptions
    {
        HttpHandler = _factory.Server.CreateHandler(),
    });

    public void Dispose()
    {
        _channel.Dispose();
        _factory.Dispose();
    }
}
