using FineTuneMesh.Core.Modeling;
using static TorchSharp.torch;

namespace FineTuneMesh.Core.Tests.Modeling;

public class KvCacheTests
{
    [Theory]
    [InlineData(true, 0.02)]
    [InlineData(false, 0.2)]
    public void DecodingWithTheCacheEqualsFullRecomputation(bool tied, double std)
    {
        using var folder = new TempFolder();
        using var model = ModelLoader.Load(TinyModels.WriteWeights(folder, TinyModels.Config(tied: tied), std));
        using var scope = NewDisposeScope();
        using var noGrad = no_grad();
        var ids = randint(0, 96, [1, 24], dtype: ScalarType.Int64, generator: new TorchSharp.torch.Generator(3));

        var full = model.Forward(ids);                                                  // [1, 24, V]

        using var cache = model.NewCache();
        var prefill = model.Forward(ids.narrow(1, 0, 10), cache);                       // 10 at once
        var steps = new List<Tensor> { prefill };
        for (var t = 10; t < 24; t++)
        {
            steps.Add(model.Forward(ids.narrow(1, t, 1), cache));                       // then one by one
        }

        var incremental = cat(steps, 1);
        Assert.Equal(24, cache.Length);
        // Same math in another order: fp32 rounding only (logits reach ~10 at std 0.2).
        Assert.True(incremental.allclose(full, rtol: 1e-5, atol: 2e-5),
            $"max |diff| {(incremental - full).abs().max().item<float>()}");
    }

    [Fact]
    public void TwoCachesOnOneModelDoNotInterfere()
    {
        using var folder = new TempFolder();
        using var model = ModelLoader.Load(TinyModels.WriteWeights(folder, TinyModels.Config()));
        using var scope = NewDisposeScope();
        using var noGrad = no_grad();
        var a = tensor(new long[] { 1, 2, 3, 4, 5 }).view(1, -1);
        var b = tensor(new long[] { 9, 8, 7 }).view(1, -1);

        using var cacheA = model.NewCache();
        using var cacheB = model.NewCache();
        model.Forward(a.narrow(1, 0, 4), cacheA);
        model.Forward(b.narrow(1, 0, 2), cacheB);
        var lastA = model.Forward(a.narrow(1, 4, 1), cacheA);
        var lastB = model.Forward(b.narrow(1, 2, 1), cacheB);

        Assert.True(lastA.allclose(model.Forward(a).narrow(1, 4, 1), rtol: 0, atol: 1e-5));
        Assert.True(lastB.allclose(model.Forward(b).narrow(1, 2, 1), rtol: 0, atol: 1e-5));
    }
}
