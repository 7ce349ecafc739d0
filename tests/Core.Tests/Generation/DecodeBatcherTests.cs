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

    /// <summary>
    /// Chunked prefill: a long prompt read a few tokens at a time gives the tokens of one pass, and
    /// joining streams that are decoding (its chunks interleaved with their steps) changes nobody's tokens.
    /// </summary>
    [Fact]
    public async Task ALongPromptPrefilledInChunks_BetweenRunningStreamsSteps_GivesTheTokensOfOnePass()
    {
        using var model = LanguageModel.Load(tiny.Path);
        var longPrompt = model.Tokenizer.Encode(string.Join(" ", Enumerable.Repeat("the quick brown fox jumps over the lazy dog", 4)));
        Assert.True(longPrompt.Count > 30, $"{longPrompt.Count} tokens");
        var options = new SamplingOptions { Temperature = 0, MaxNewTokens = 32, DraftTokens = 0 };
        var onePass = (await model.Generator.GenerateAsync(longPrompt, options)).Summary.CompletionTokenIds;
        var runningAlone = (await model.Generator.GenerateAsync(model.Tokenizer.Encode(_prompts[0]), options with { MaxNewTokens = 96 })).Summary.CompletionTokenIds;

        model.Generator.PrefillChunkTokens = 4;
        Assert.Equal(onePass, (await model.Generator.GenerateAsync(longPrompt, options)).Summary.CompletionTokenIds);

        using var batcher = new DecodeBatcher();
        model.Generator.Batcher = batcher;
        var steps = 0;
        batcher.Stepped += _ => Interlocked.Increment(ref steps);
        var running = Enumerable.Range(0, 2)
            .Select(_ => model.Generator.GenerateAsync(model.Tokenizer.Encode(_prompts[0]), options with { MaxNewTokens = 96 })).ToArray();
        while (Volatile.Read(ref steps) < 4)
        {
            await Task.Delay(1);
        }

        var joined = await model.Generator.GenerateAsync(longPrompt, options);
        Assert.Equal(onePass, joined.Summary.CompletionTokenIds);
        foreach (var stream in await Task.WhenAll(running))
        {
            Assert.Equal(runningAlone, stream.Summary.CompletionTokenIds);
        }
    }

    [Fact]
    public async Task NextStep_CompletesAfterTheNextSharedStep_OrAtOnceWhenNobodyDecodes()
    {
        using var model = LanguageModel.Load(tiny.Path);
        using var batcher = new DecodeBatcher();
        Assert.True(batcher.NextStepAsync(CancellationToken.None).IsCompleted);

        using var cache = model.Network.NewCache();
        using (no_grad())
        {
            model.Network.ForwardLast(tensor(new long[] { 5, 6, 7 }).view(1, -1), cache).Dispose();
        }

        using (batcher.Decoding())
        {
            var waiting = batcher.NextStepAsync(CancellationToken.None);
            await Task.Delay(100);
            Assert.False(waiting.IsCompleted);

            using var logits = await batcher.StepAsync(model.Network, cache, [8]);
            Assert.NotNull(logits);
            await waiting.WaitAsync(TimeSpan.FromSeconds(10));
        }
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
