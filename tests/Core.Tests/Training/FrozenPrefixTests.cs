using FineTuneMesh.Core.Lora;
using FineTuneMesh.Core.Modeling;
using FineTuneMesh.Core.Training;
using static TorchSharp.torch;

namespace FineTuneMesh.Core.Tests.Training;

/// <summary>Adapters in the upper layers only: the frozen layers' cached output trains exactly as the full forward does.</summary>
public class FrozenPrefixTests(TinyModelFolder tiny) : IClassFixture<TinyModelFolder>
{
    private static readonly LoraSettings _upper = new()
    {
        Rank = 4, Alpha = 8, Dropout = 0.1, TargetModules = ["q_proj", "v_proj", "down_proj"], LayersToTransform = [1],
    };

    private CausalLanguageModel Adapted()
    {
        var model = ModelLoader.Load(tiny.Path);
        LoraApplier.Apply(model, _upper, seed: 4);
        return model;
    }

    [Fact]
    public void CachedFrozenLayers_GiveTheSameLossesAsTheUncachedRun()
    {
        var examples = RandomExamples.Make(12, 3);
        var eval = RandomExamples.Make(4, 8);
        var options = new TrainingOptions { LearningRate = 5e-3, Epochs = 3, BatchSize = 3, Seed = 2, EvalEverySteps = 2 };

        using var uncachedModel = Adapted();
        var uncached = new LoraTrainer(uncachedModel, options with { CacheFrozenLayers = false }).Train(examples, eval);
        using var cachedModel = Adapted();
        var cached = new LoraTrainer(cachedModel, options).Train(examples, eval);

        Assert.Equal(uncached.Losses.Count, cached.Losses.Count);
        for (var i = 0; i < uncached.Losses.Count; i++)
        {
            Assert.True(Math.Abs(uncached.Losses[i] - cached.Losses[i]) < 1e-4, $"step {i + 1}: {uncached.Losses[i]} vs {cached.Losses[i]}");
        }

        Assert.Equal(uncached.EvalLosses.Count, cached.EvalLosses.Count);
        for (var i = 0; i < uncached.EvalLosses.Count; i++)
        {
            Assert.True(Math.Abs(uncached.EvalLosses[i].Loss - cached.EvalLosses[i].Loss) < 1e-4, $"evaluation {i + 1}");
        }
    }

    [Fact]
    public void TheCache_ComputesEachExampleOnce()
    {
        using var model = Adapted();
        using var cache = new FrozenPrefixCache(model, firstAdaptedLayer: 1, maxBytes: 1 << 20);
        var examples = RandomExamples.Make(5, 4);
        using var scope = NewDisposeScope();
        foreach (var epoch in Enumerable.Range(0, 3))
        {
            var batch = cache.Batch(examples, examples.Max(e => e.Length));
            Assert.Equal([5L, examples.Max(e => e.Length), model.Config.HiddenSize], batch.shape);
        }

        Assert.Equal(5, cache.Misses);
        Assert.Equal(10, cache.Hits);
    }

    [Fact]
    public void AnUpperLayerAdapter_IsSavedWithLayersToTransform_AndLoadsOnlyThere()
    {
        using var folder = new TempFolder();
        using var model = ModelLoader.Load(tiny.Path);
        var wrapped = LoraApplier.Apply(model, _upper, seed: 4);
        var adapters = TrainingCheckpoint.Trainable(model);
        Assert.All(wrapped.Keys, k => Assert.StartsWith("model.layers.1.", k));
        using (no_grad())
        {
            foreach (var (_, parameter) in adapters)
            {
                parameter.normal_(0, 0.05);
            }
        }

        AdapterFiles.Save(folder.Path, wrapped, _upper, "tiny", null);
        Assert.Equal([1], AdapterFiles.ReadConfig(folder.Path).ToSettings("adapter_config.json").LayersToTransform!);

        using var reloaded = ModelLoader.Load(tiny.Path);
        var loaded = AdapterFiles.Load(folder.Path, reloaded);
        Assert.All(loaded.Keys, k => Assert.StartsWith("model.layers.1.", k));
        using var scope = NewDisposeScope();
        using var noGrad = no_grad();
        model.eval();
        reloaded.eval();
        var ids = tensor(new long[] { 3, 9, 27, 81 }).view(1, -1);
        Assert.True(model.Forward(ids).allclose(reloaded.Forward(ids), rtol: 1e-5, atol: 1e-6));
    }

    [Fact]
    public void ALayerThatTheModelLacks_IsRefused()
    {
        using var model = ModelLoader.Load(tiny.Path);
        var e = Assert.Throws<ArgumentException>(() => LoraApplier.Apply(model, _upper with { LayersToTransform = [1, 7] }));
        Assert.Contains("names layer 7, but the model has 2 layers", e.Message);
    }

    [Theory]
    [InlineData("12-15,20", new[] { 12, 13, 14, 15, 20 })]
    [InlineData("3", new[] { 3 })]
    public void LayerLists_Parse(string text, int[] expected) => Assert.Equal(expected, LayerList.Parse(text));
}
