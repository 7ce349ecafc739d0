using System.Net.Http.Json;
using System.Text.Json;
using FineTuneMesh.Core;
using FineTuneMesh.Core.Lora;
using FineTuneMesh.Inference.V1;
using FineTuneMesh.ServiceDefaults;
using static TorchSharp.torch;

namespace FineTuneMesh.Inference.Service.Tests;

/// <summary>
/// FINETUNE_DTYPE=q8_0: the service loads the base as int8 blocks, says so in its info, and serves
/// the base and an adapter over it with the same tokens as the engine in-process.
/// </summary>
[Collection(InferenceCollection.Name)]
public sealed class Q8ServingTests(TinyModelFixture tiny)
{
    [Fact]
    public async Task TheServiceServesInt8WeightsAndAdaptersOverThem()
    {
        using var server = new InferenceServer(tiny.ModelFolder, new Dictionary<string, string?>
        {
            [FineTuneSettings.Dtype] = "q8_0",
            ["Inference:AdaptersRoot"] = tiny.AdaptersRoot,
        });
        using var http = server.CreateHttpClient();
        var info = await http.GetFromJsonAsync<JsonElement>("/api/inference/info");
        Assert.Equal("q8_0", info.GetProperty("dtype").GetString());
        Assert.Equal("q8_0", info.GetProperty("compute").GetProperty("weights").GetString());

        using var reference = LanguageModel.Load(tiny.ModelFolder, ScalarType.Int8);
        var baseText = await Generate(server, "");
        Assert.Equal(await ReferenceText(reference), baseText);

        using var adapted = reference.ShareWeights();
        AdapterFiles.Load(Path.Combine(tiny.AdaptersRoot, TinyModelFixture.AdapterName), adapted.Network);
        adapted.Network.eval();
        var adapterText = await Generate(server, TinyModelFixture.AdapterName);
        Assert.NotEqual(baseText, adapterText);
        Assert.Equal(await ReferenceText(adapted), adapterText);
    }

    private const string Prompt = "The quick brown fox";

    private static async Task<string> Generate(InferenceServer server, string adapter)
    {
        using var call = server.Client.Generate(new GenerateRequest
        {
            Prompt = Prompt,
            Adapter = adapter,
            Sampling = new SamplingParams { Temperature = 0, RepetitionPenalty = 1.0, MaxTokens = 20 },
        });
        return (await StreamedGeneration.ReadAsync(call)).Text;
    }

    private static async Task<string> ReferenceText(LanguageModel model) =>
        (await model.Generator.GenerateAsync(model.Tokenizer.Encode(Prompt),
            model.DefaultSampling() with { Temperature = 0, RepetitionPenalty = 1.0, MaxNewTokens = 20 })).Text;
}
