extern alias gateway;

using System.Net;
using System.Net.Http.Headers;
using Microsoft.AspNetCore.Mvc.Testing;
using GatewayProgram = gateway::Program;

namespace FineTuneMesh.Gateway.Tests;

public sealed class ApiKeyTests : IDisposable
{
    private const string ApiKey = "test-key-0123";

    private readonly WebApplicationFactory<GatewayProgram> _factory = new WebApplicationFactory<GatewayProgram>()
        .WithWebHostBuilder(host => host
            .UseSetting("Gateway:ApiKey", ApiKey)
            // Nothing listens here: a request that gets past the key check ends as 502, never 401.
            .UseSetting("services:synth:http:0", "http://127.0.0.1:9"));

    public void Dispose() => _factory.Dispose();

    [Theory]
    [InlineData("/health")]
    [InlineData("/alive")]
    public async Task HealthProbes_StayOpen(string path)
    {
        using var client = _factory.CreateClient();

        using var response = await client.GetAsync(path);

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
    }

    [Theory]
    [InlineData("/api/synth/info")]
    [InlineData("/api/train/info")]
    [InlineData("/api/inference/info")]
    [InlineData("/v1/chat/completions")]
    [InlineData("/api/gateway/info")]
    public async Task RequestsWithoutTheKey_Get401WithAJsonMessage(string path)
    {
        using var client = _factory.CreateClient();

        using var response = await client.GetAsync(path);

        Assert.Equal(HttpStatusCode.Unauthorized, response.StatusCode);
        Assert.Equal("application/problem+json", response.Content.Headers.ContentType?.MediaType);
        Assert.Contains("API key", await response.Content.ReadAsStringAsync());
    }

    [Fact]
    public async Task AWrongKey_Gets401()
    {
        using var client = _factory.CreateClient();
        client.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer", "not-the-key");

        using var response = await client.GetAsync("/api/gateway/info");

        Assert.Equal(HttpStatusCode.Unauthorized, response.StatusCode);
    }

    [Fact]
    public async Task ABearerKey_Passes()
    {
        using var client = _factory.CreateClient();
        client.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer", ApiKey);

        using var response = await client.GetAsync("/api/gateway/info");

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
    }

    [Fact]
    public async Task AnXApiKeyHeader_PassesOnToTheProxy()
    {
        using var client = _factory.CreateClient();
        client.DefaultRequestHeaders.Add("X-Api-Key", ApiKey);

        using var response = await client.GetAsync("/api/synth/info");

        // Proxied to the synth destination, which is down.
        Assert.Equal(HttpStatusCode.BadGateway, response.StatusCode);
    }

    [Fact]
    public async Task WithoutAConfiguredKey_EverythingIsOpen()
    {
        using var factory = new WebApplicationFactory<GatewayProgram>()
            .WithWebHostBuilder(host => host.UseSetting("Gateway:ApiKey", string.Empty));
        using var client = factory.CreateClient();

        using var response = await client.GetAsync("/api/gateway/info");

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
    }
}
