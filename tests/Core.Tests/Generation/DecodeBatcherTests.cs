using FineTuneMesh.Core.Generation;
using FineTuneMesh.Core.Lora;
using static TorchSharp.torch;

namespace FineTuneMesh.Core.Tests.Generation;

/// <summary>
/// Continuous batching: streams on the base model and on two adapters over it, started together and
/// apart, with and without speculation, give the same tokens batched as alone, and the batcher
/// really ran several streams per step.
/// </summary>
public sealed class DecodeBatcherTests(TinyModelFolder tiny) : IClassFixture<TinyModelFolder>
{
    private static readonly string[] _prompts = ["The quick brown fox", "def main():", "one two one two one two", "Hello"];

    [Theory]
    [InlineData(0)]
    [InlineData(8)]
    public async Task ConcurrentStreams_GiveTheirTokensAlone_WhileSharingSteps(int draftTokens)
    {
        using var baseModel = LanguageModel.Load(tiny.Path);
        using var first = baseModel.ShareWeights();
        using var second = baseModel.ShareWeights();
        Adapt(first, ["q_proj", "v_proj"], 1);
        Adapt(second, ["all-linear"], 2);
        var models = new[] { baseModel, first, second, first };
        var options = new SamplingOptions { Temperature = 0, MaxNewTokens = 48, DraftTokens = draftTokens };
        var alone = new List<IReadOnlyList<int>>();
        for (var s = 0; s < models.Length; s++)
        {
            alone.Add((await models[s].Generator.GenerateAsync(models[s].Tokenizer.Encode(_prompts[s]), options)).Summary.CompletionTokenIds);
        }

        using var batcher = new DecodeBatcher();
        foreach (var model in models.Distinct())
        {
            model.Generator.Batcher = batcher;
        }

        // Streams join at different moments: the later ones start while the first are decoding.
        var batched = await Task.WhenAll(models.Select(async (model, s) =>
        {
            await Task.Delay(s * 2);
            return (await model.Generator.GenerateAsync(model.Tokenizer.Encode(_prompts[s]), options)).Summary.CompletionTokenIds;
        }));

        for (var s = 0; s < models.Length; s++)
        {
            Assert.Equal(alone[s], batched[s]);
        }

        Assert.True(batcher.BatchSizes.Skip(2).Sum() > 0, $"no step ran more than one stream: {string.Join(",", batcher.BatchSizes.Take(6))}");
    }

    private static void Adapt(LanguageModel model, string[] targets, int seed)
    {
        foreach (var adapter in LoraApplier.Apply(model.Network, new LoraSettings { TargetModules = targets }, seed: seed).Values)
        {
            using var noGradient = no_grad();
            adapter.LoraB.Weight.copy_(randn(adapter.LoraB.Weight.shape, generator: new TorchSharp.torch.Generator((ulong)seed + 10)) * 0.3);
        }

        model.Network.eval();
    }
}
