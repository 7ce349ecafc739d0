using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using FineTuneMesh.ServiceDefaults;
using Grpc.Core;
using Grpc.Health.V1;
using Grpc.Reflection.V1Alpha;

namespace FineTuneMesh.Inference.Service.Tests;

[Collection(InferenceCollection.Name)]
public sealed class ServiceInfoTests(TinyModelFixture tiny)
{
    [Fact]
    public async Task TheInfoEndpointReportsTheLoadedModelWithoutItsFolderAndNoFallback()
    {
        using var http = tiny.Server.CreateHttpClient();

        var body = await http.GetStringAsync("/api/inference/info");
        var info = JsonSerializer.Deserialize<JsonElement>(body);
        var health = await http.GetStringAsync(HealthEndpoints.HealthPath);

        Assert.Equal("Healthy", health);
        // What is served, never where it lies on the server.
        Assert.False(info.TryGetProperty("modelFolder", out _));
        Assert.DoesNotContain(tiny.ModelFolder, body);
        Assert.Equal(Path.GetFileName(tiny.ModelFolder), info.GetProperty("baseModel").GetString());
        Assert.False(info.GetProperty("fallback").GetBoolean());
        Assert.Equal("float32", info.GetProperty("dtype").GetString());
    }

    [Fact]
    public async Task ABaseModelThatIsNotAFolderOrCachedFallsBackToATinyModelAndSaysSo()
    {
        using var emptyCache = new TempFolder();
        using var server = new InferenceServer("no-such-org/no-such-model", new Dictionary<string, string?>
        {
            [FineTuneSettings.ModelCache] = emptyCache.Path,
        });
        using var http = server.CreateHttpClient();

        var info = await http.GetFromJsonAsync<JsonElement>("/api/inference/info");
        using var health = await http.GetAsync(HealthEndpoints.HealthPath);

        Assert.True(info.GetProperty("fallback").GetBoolean());
        Assert.Equal("no-such-org/no-such-model", info.GetProperty("baseModel").GetString());
        Assert.Contains("not in the model cache", info.GetProperty("fallbackReason").GetString());
        Assert.Equal(HttpStatusCode.OK, health.StatusCode);
        Assert.Equal("Degraded", await health.Content.ReadAsStringAsync());
        // The fallback still serves.
        using var call = server.Client.Generate(new V1.GenerateRequest
        {
            Prompt = "hello",
            Sampling = new V1.SamplingParams { Temperature = 0, MaxTokens = 3 },
        });
        Assert.Single((await StreamedGeneration.ReadAsync(call)).Summaries);
    }

    [Fact]
    public async Task GrpcHealthReportsServing()
    {
        using var channel = tiny.Server.CreateGrpcChannel();
        var health = new Health.HealthClient(channel);

        var response = await health.CheckAsync(new HealthCheckRequest());

        Assert.Equal(HealthCheckResponse.Types.ServingStatus.Serving, response.Status);
    }

    [Fact]
    public async Task ReflectionListsTheInferenceService()
    {
        using var channel = tiny.Server.CreateGrpcChannel();
        using var call = new ServerReflection.ServerReflectionClient(channel).ServerReflectionInfo();

        await call.RequestStream.WriteAsync(new ServerReflectionRequest { ListServices = "" });
        await call.RequestStream.CompleteAsync();
        var services = new List<string>();
        await foreach (var response in call.ResponseStream.ReadAllAsync())
        {
            services.AddRange(response.ListServicesResponse.Service.Select(s => s.Name));
        }

        Assert.Contains("finetunemesh.inference.v1.Inference", services);
    }
}
