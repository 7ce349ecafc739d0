using FineTuneMesh.Core.Lora;
using static TorchSharp.torch;

namespace FineTuneMesh.Core.Tests.Modeling;

/// <summary>A model over another's weights: same outputs, same memory, and adapters on it leave the original alone.</summary>
public sealed class SharedWeightsTests(TinyModelFolder tiny) : IClassFixture<TinyModelFolder>
{
    private static readonly long[] _prompt = [3, 17, 42, 5, 99, 8];

    [Fact]
    public void SharedModel_GivesTheSameLogits_AndSeesChangesToTheOriginalsWeights()
    {
        using var original = LanguageModel.Load(tiny.Path);
        using var shared = original.ShareWeights();
        Assert.Equal(0f, MaxDifference(original, shared));

        // One storage: a change made through the original shows in the copy (fused q/k/v and gate/up included).
        using (no_grad())
        {
            foreach (var (_, parameter) in original.Network.named_parameters())
            {
                parameter.mul_(1.5);
            }
        }

        Assert.Equal(0f, MaxDifference(original, shared));
        using var reloaded = LanguageModel.Load(tiny.Path);
        Assert.True(MaxDifference(reloaded, shared) > 1e-3f, "the copy kept weights of its own");
    }

    [Fact]
    public void AdapterOnTheSharedModel_LeavesTheOriginalUntouched()
    {
        using var original = LanguageModel.Load(tiny.Path);
        using var before = Logits(original);
        using var shared = original.ShareWeights();
        var adapters = LoraApplier.Apply(shared.Network, new LoraSettings { Rank = 4, TargetModules = ["all-linear"] }, seed: 3);
        using (no_grad())
        {
            foreach (var adapter in adapters.Values)
            {
                adapter.LoraB.Weight.normal_(0, 0.5);
            }
        }

        using var adapted = Logits(shared);
        using var after = Logits(original);
        Assert.Equal(0f, (after - before).abs().max().item<float>());
        Assert.True((adapted - before).abs().max().item<float>() > 1e-3f);
    }

    private static float MaxDifference(LanguageModel a, LanguageModel b)
    {
        using var x = Logits(a);
        using var y = Logits(b);
        return (x - y).abs().max().item<float>();
    }

    private static Tensor Logits(LanguageModel model)
    {
        using var noGrad = no_grad();
        using var ids = tensor(_prompt).unsqueeze(0);
        return model.Network.Forward(ids);
    }
}
