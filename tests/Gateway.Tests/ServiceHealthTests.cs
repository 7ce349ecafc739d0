extern alias gateway;
extern alias inference;
extern alias synth;

using System.Net;
using System.Net.Http.Json;
using FineTuneMesh.ServiceDefaults;
using Microsoft.AspNetCore.Mvc.Testing;

namespace FineTuneMesh.Gateway.Tests;

/// <summary>
/// Each service starts, answers its probes and reports the configured base model. The trainer needs a
/// broker and object storage to start, so its probes are tested in Mesh.Tests against real ones.
/// </summary>
public sealed class ServiceHealthTests
{
    private const string BaseModel = "test-org/test-model";

    [Fact]
    public Task Synth_IsHealthy() => AssertHealthy<synth::Program>("/api/synth/info", "synth");

    [Fact]
    public Task Inference_IsHealthy() => AssertHealthy<inference::Program>("/api/inference/info", "inference");

    [Fact]
    public Task Gateway_IsHealthy() => AssertHealthy<gateway::Program>("/api/gateway/info", "gateway");

    private static async Task AssertHealthy<TProgram>(string infoPath, string serviceName)
        where TProgram : class
    {
        using var factory = new WebApplicationFactory<TProgram>()
            .WithWebHostBuilder(host => host.UseSetting(FineTuneSettings.BaseModel, BaseModel));
        using var client = factory.CreateClient();

        using var health = await client.GetAsync(HealthEndpoints.HealthPath);
        using var alive = await client.GetAsync(HealthEndpoints.AlivePath);
        var info = await client.GetFromJsonAsync<ServiceInfo>(infoPath);

        Assert.Equal(HttpStatusCode.OK, health.StatusCode);
        Assert.Equal(HttpStatusCode.OK, alive.StatusCode);
        Assert.NotNull(info);
        Assert.Equal(serviceName, info.Service);
        Assert.Equal(BaseModel, info.BaseModel);
        Assert.False(string.IsNullOrEmpty(info.Version));
    }
}
