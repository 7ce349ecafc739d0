using System.ClientModel;
using System.Net;
using System.Text;
using Aspire.Hosting.Testing;
using FineTuneMesh.Inference.V1;
using FineTuneMesh.Mesh.Jobs;
using Grpc.Net.Client;
using OpenAI;
using OpenAI.Chat;

namespace FineTuneMesh.Mesh.Tests;

/// <summary>
/// The whole loop: an adapter trained by a worker is loaded by the inference service from storage
/// when the job's completion event arrives, and served through the gateway over gRPC and the
/// OpenAI wire format, with no restart.
/// </summary>
[Collection(MeshCollection.Name)]
public sealed class TrainThenServeTests(MeshApp mesh)
{
    private const string Prompt = "Q: What is 1 plus 1?\nA:";

    [Fact]
    public async Task AdapterTrainedInTheMesh_IsLoadedOnItsCompletionEvent_AndServedOverGrpcAndOpenAi()
    {
        var id = TinyJobs.NewId("serve");
        var adapter = "serve-" + id[6..14];
        using var submitted = await mesh.Gateway.SubmitAsync(TinyJobs.Job(id, adapter, epochs: 8, batchSize: 1));
        Assert.Equal(HttpStatusCode.Accepted, submitted.StatusCode);
        Assert.Equal(JobStatus.Succeeded, (await mesh.Gateway.WaitForFinalAsync(id)).Status);

        using var channel = GrpcChannel.ForAddress(mesh.App.GetEndpoint("gateway", "grpc"));
        var grpc = new Inference.V1.Inference.InferenceClient(channel);

        // Loaded by the event, before anyone asked for it.
        var deadline = DateTime.UtcNow + TimeSpan.FromSeconds(30);
        AdapterInfo? listed = null;
        while (DateTime.UtcNow < deadline && listed is not { Loaded: true })
        {
            listed = (await grpc.ListAdaptersAsync(new ListAdaptersRequest())).Adapters.SingleOrDefault(a => a.Name == adapter);
            await Task.Delay(200);
        }

        Assert.True(listed is { Loaded: true }, $"adapter {adapter} was not loaded after its job finished: {listed}");

        var baseText = await GenerateAsync(grpc, "");
        var adaptedText = await GenerateAsync(grpc, adapter);
        Assert.NotEqual(baseText, adaptedText);

        // Any OpenAI client, pointed at the gateway, sees it as a model and streams from it.
        var openAi = new OpenAIClient(new ApiKeyCredential("unused"),
            new OpenAIClientOptions { Endpoint = new Uri(mesh.Gateway.BaseAddress!, "/v1") });
        var models = (await openAi.GetOpenAIModelClient().GetModelsAsync()).Value.Select(m => m.Id).ToList();
        Assert.Contains(adapter, models);
        Assert.Contains("builtin/tiny", models);

        var text = new StringBuilder();
        await foreach (var update in openAi.GetChatClient(adapter).CompleteChatStreamingAsync(
            [new UserChatMessage("What is 2 plus 2?")], new ChatCompletionOptions { Temperature = 0, MaxOutputTokenCount = 8 }))
        {
            foreach (var part in update.ContentUpdate)
            {
                text.Append(part.Text);
            }
        }

        Assert.NotEqual(0, text.Length);
    }

    [Fact]
    public async Task UnknownAdapter_IsNotFoundOverBothProtocols()
    {
        using var channel = GrpcChannel.ForAddress(mesh.App.GetEndpoint("gateway", "grpc"));
        var grpc = new Inference.V1.Inference.InferenceClient(channel);
        var error = await Assert.ThrowsAsync<Grpc.Core.RpcException>(() => GenerateAsync(grpc, "no-such-adapter"));
        Assert.Equal(Grpc.Core.StatusCode.NotFound, error.StatusCode);

        using var response = await mesh.Gateway.PostAsync("/v1/chat/completions", new StringContent(
            """{"model":"no-such-adapter","messages":[{"role":"user","content":"hi"}]}""", Encoding.UTF8, "application/json"));
        Assert.Equal(HttpStatusCode.NotFound, response.StatusCode);
    }

    private static async Task<string> GenerateAsync(Inference.V1.Inference.InferenceClient grpc, string adapter)
    {
        using var call = grpc.Generate(new GenerateRequest
        {
            Prompt = Prompt,
            Adapter = adapter,
            Sampling = new SamplingParams { Temperature = 0, MaxTokens = 12 },
            Stop = { "### DONE!" },
        });
        var text = new StringBuilder();
        while (await call.ResponseStream.MoveNext(CancellationToken.None))
        {
            if (call.ResponseStream.Current.FrameCase == GenerateResponse.FrameOneofCase.Delta)
            {
                text.Append(call.ResponseStream.Current.Delta.Text);
            }
        }

        return text.ToString();
    }
}
