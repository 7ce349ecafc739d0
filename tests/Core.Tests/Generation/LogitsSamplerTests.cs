using FineTuneMesh.Core.Generation;
using static TorchSharp.torch;

namespace FineTuneMesh.Core.Tests.Generation;

public class LogitsSamplerTests
{
    private static readonly float[] _logits = [1.0f, 3.0f, 2.0f, 0.5f, 2.9f];

    private static int[] Draw(SamplingOptions options, int count, IReadOnlyCollection<int>? history = null)
    {
        var sampler = new LogitsSampler(options);
        using var logits = tensor(_logits);
        return [.. Enumerable.Range(0, count).Select(_ => sampler.Next(logits, history ?? []))];
    }

    [Fact]
    public void GreedyPicksTheArgmax() => Assert.All(Draw(new SamplingOptions(), 5), id => Assert.Equal(1, id));

    [Fact]
    public void TopKOfTwoOnlyEverPicksTheTwoBest() =>
        Assert.All(Draw(new() { Temperature = 5, TopK = 2, Seed = 1 }, 200), id => Assert.Contains(id, new[] { 1, 4 }));

    [Fact]
    public void TopPKeepsTheSmallestNucleus()
    {
        // softmax: p(1)=.40 p(4)=.36 ... top_p .5 keeps exactly {1, 4}.
        var ids = Draw(new() { Temperature = 1, TopP = 0.5, Seed = 2 }, 300);
        Assert.All(ids, id => Assert.Contains(id, new[] { 1, 4 }));
        Assert.Contains(4, ids);
    }

    [Fact]
    public void MinPDropsTokensFarBelowTheBest() =>
        Assert.All(Draw(new() { Temperature = 1, MinP = 0.5, Seed = 3 }, 300), id => Assert.Contains(id, new[] { 1, 4 }));

    [Fact]
    public void SamplingFollowsTheSoftmaxDistribution()
    {
        var ids = Draw(new() { Temperature = 1, Seed = 4 }, 20000);
        var expected = _logits.Select(l => Math.Exp(l)).ToArray();
        var total = expected.Sum();
        for (var i = 0; i < _logits.Length; i++)
        {
            var observed = ids.Count(id => id == i) / 20000.0;
            Assert.InRange(observed, expected[i] / total - 0.015, expected[i] / total + 0.015);
        }
    }

    [Fact]
    public void RepetitionPenaltyPushesSeenTokensDown() =>
        Assert.All(Draw(new() { RepetitionPenalty = 2.0 }, 3, history: [1]), id => Assert.Equal(4, id));
}
