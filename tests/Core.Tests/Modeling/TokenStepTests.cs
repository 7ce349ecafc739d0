using FineTuneMesh.Core.Lora;
using FineTuneMesh.Core.Modeling;
using FineTuneMesh.Core.Tests.Kernels;
using static TorchSharp.torch;

namespace FineTuneMesh.Core.Tests.Modeling;

/// <summary>
/// The engine's own token step against LibTorch's forward over the whole sequence: each decoded
/// token's logits, the KV cache it leaves (LibTorch continues from it), LoRA adapters on fused and
/// unfused projections, both vector paths (AVX2 and AVX-512), and several tokens in one call
/// giving bit for bit the logits of one at a time (what speculative decoding relies on).
/// </summary>
[Collection(IsaSwitchCollection.Name)]
public sealed class TokenStepTests
{
    public static TheoryData<KernelPath, bool, ScalarType> Paths()
    {
        var data = new TheoryData<KernelPath, bool, ScalarType>();
        foreach (var path in KernelPaths.Available)
        {
            foreach (var tied in new[] { true, false })
            {
                if (path != KernelPath.BFloat16Pairs)
                {
                    data.Add(path, tied, ScalarType.Float32);
                }

                data.Add(path, tied, ScalarType.BFloat16);
            }
        }

        return data;
    }

    [Theory]
    [MemberData(nameof(Paths))]
    public void DecodedTokens_MatchTheFullForward(KernelPath path, bool tied, ScalarType dtype)
    {
        using var folder = new TempFolder();
        var weights = TinyModels.WriteWeights(folder, TinyModels.Config(tied: tied), std: 0.2, dtype: dtype);
        using var model = ModelLoader.Load(weights, dtype);
        // The reference: the same weights widened to fp32, through LibTorch only (no cache, whole sequence).
        using var reference = ModelLoader.Load(weights, ScalarType.Float32);
        // The prefill's GEMMs convert bf16 weights to fp32 (as on CPUs without native bf16), so the
        // cache it leaves is the reference's: what is compared is the step alone.
        var savedGemms = Projection.NativeBFloat16Gemms;
        Projection.NativeBFloat16Gemms = false;
        try
        {
            // bf16 pairs round every matrix's input to bf16, as LibTorch's bf16 products do: the
            // reference keeps fp32 activations, so the step is within bf16's precision, not fp32's.
            var tolerance = path == KernelPath.BFloat16Pairs ? 3e-2 : 2e-5;
            KernelPaths.Run(path, () => AssertStepsMatch(model, reference, $"{path} tied={tied} {dtype}", tolerance));
        }
        finally
        {
            Projection.NativeBFloat16Gemms = savedGemms;
        }
    }

    [Theory]
    [InlineData("q_proj,v_proj")]
    [InlineData("all-linear")]
    [InlineData("k_proj,o_proj,up_proj")]
    public void AdaptedProjections_MatchTheFullForward(string targets)
    {
        using var folder = new TempFolder();
        var path = TinyModels.WriteWeights(folder, TinyModels.Config(), std: 0.2);
        using var model = ModelLoader.Load(path);
        var settings = new LoraSettings { TargetModules = targets == "all-linear" ? ["all-linear"] : targets.Split(',') };
        var adapters = LoraApplier.Apply(model, settings, seed: 3);
        using (no_grad())
        {
            var generator = new TorchSharp.torch.Generator(9);
            foreach (var adapter in adapters.Values)
            {
                adapter.LoraB.Weight.copy_(randn(adapter.LoraB.Weight.shape, generator: generator) * 0.5);
            }
        }

        model.eval();
        AssertStepsMatch(model, model, targets);
    }

    private static void AssertStepsMatch(CausalLanguageModel model, CausalLanguageModel reference, string what, double tolerance = 2e-5)
    {
        using var scope = NewDisposeScope();
        using var noGrad = no_grad();
        var ids = randint(0, 96, [1, 20], dtype: ScalarType.Int64, generator: new TorchSharp.torch.Generator(4));
        using var cache = model.NewCache();
        model.ForwardLast(ids.narrow(1, 0, 6), cache);                                      // prefill through LibTorch
        for (var t = 6; t < 16; t++)
        {
            var step = TokenStep.TryRun(model, ids.narrow(1, t, 1), cache);
            Assert.NotNull(step);
            var expected = reference.Forward(ids.narrow(1, 0, t + 1)).select(1, t);        // [1, V]
            AssertClose(step, expected, $"{what}, token {t}", tolerance);
        }

        // LibTorch carries on from the cache the step wrote.
        var rest = model.Forward(ids.narrow(1, 16, 4), cache).select(1, 3);
        AssertClose(rest, reference.Forward(ids).select(1, 19), $"{what}, LibTorch after the step", tolerance);
        Assert.Equal(20, cache.Length);
    }

    private static void AssertClose(Tensor actual, Tensor expected, string what, double tolerance)
    {
        var scale = Math.Max(1, expected.abs().max().item<float>());
        Assert.True(actual.allclose(expected, rtol: 0, atol: tolerance * scale), $"{what}: max |diff| {(actual - expected).abs().max().item<float>()} of {scale}");
    }

    [Fact]
    public void WhereGradientsAreOnOrSequencesAreBatched_TheStepStandsAside()
    {
        using var folder = new TempFolder();
        using var model = ModelLoader.Load(TinyModels.WriteWeights(folder, TinyModels.Config()));
        using var scope = NewDisposeScope();
        using var cache = model.NewCache();
        Assert.Null(TokenStep.TryRun(model, tensor(new long[] { 5 }).view(1, 1), cache));
        using var noGrad = no_grad();
        Assert.Null(TokenStep.TryRun(model, tensor(new long[] { 5, 6 }).view(2, 1), cache));
        Assert.Null(TokenStep.TryRun(model, zeros([1, TokenStep.MaxTokens + 1], ScalarType.Int64), cache));
        Assert.NotNull(TokenStep.TryRun(model, tensor(new long[] { 5 }).view(1, 1), cache));
    }

    public static TheoryData<ScalarType, KernelPath, bool> Formats()
    {
        var data = new TheoryData<ScalarType, KernelPath, bool>();
        foreach (var path in KernelPaths.Available)
        {
            foreach (var dtype in path == KernelPath.BFloat16Pairs ? [ScalarType.BFloat16] : new[] { ScalarType.Float32, ScalarType.BFloat16, ScalarType.Int8 })
            {
                data.Add(dtype, path, false);
            }

            data.Add(ScalarType.BFloat16, path, true);
        }

        return data;
    }

    [Theory]
    [MemberData(nameof(Formats))]
    public void SeveralTokensAtOnce_GiveBitForBitTheLogitsOfOneAtATime(ScalarType dtype, KernelPath path, bool adapted)
    {
        using var folder = new TempFolder();
        using var model = ModelLoader.Load(TinyModels.WriteWeights(folder, TinyModels.Config(), std: 0.2,
            dtype: dtype == ScalarType.Int8 ? ScalarType.BFloat16 : dtype), dtype);
        if (adapted)
        {
            foreach (var adapter in LoraApplier.Apply(model, new LoraSettings { TargetModules = ["q_proj", "v_proj", "down_proj"] }, seed: 3).Values)
            {
                using var noGradient = no_grad();
                adapter.LoraB.Weight.copy_(randn(adapter.LoraB.Weight.shape, generator: new TorchSharp.torch.Generator(9)) * 0.3);
            }

            model.eval();
        }

        KernelPaths.Run(path, () =>
        {
            using var scope = NewDisposeScope();
            using var noGrad = no_grad();
            // 3, then 5, then 8 at once: the kernel's one-row, four-row and eight-row paths.
            var ids = randint(0, 96, [1, 22], dtype: ScalarType.Int64, generator: new TorchSharp.torch.Generator(4));
            using var oneByOne = model.NewCache();
            using var together = model.NewCache();
            model.ForwardLast(ids.narrow(1, 0, 6), oneByOne);
            model.ForwardLast(ids.narrow(1, 0, 6), together);
            var single = cat(Enumerable.Range(6, 16).Select(t => TokenStep.TryRun(model, ids.narrow(1, t, 1), oneByOne)!).ToList(), 0);
            var several = cat([TokenStep.TryRun(model, ids.narrow(1, 6, 3), together)!, TokenStep.TryRun(model, ids.narrow(1, 9, 5), together)!,
                TokenStep.TryRun(model, ids.narrow(1, 14, 8), together)!], 0);
            Assert.Equal(oneByOne.Length, together.Length);
            Assert.True(several.equal(single).all().item<bool>(),
                $"{dtype} {path} adapted={adapted}: max |diff| {(several - single).abs().max().item<float>()}");
        });
    }

    [Fact]
    public void SequencesOnDifferentAdaptersInOneStep_GiveEachTheBitsItGetsAlone()
    {
        using var folder = new TempFolder();
        var path = ModelFolderWithTokenizer(folder);
        using var baseModel = LanguageModel.Load(path, ScalarType.BFloat16);
        using var first = baseModel.ShareWeights();
        using var second = baseModel.ShareWeights();
        Adapt(first.Network, ["q_proj", "v_proj"], 1);
        Adapt(second.Network, ["all-linear"], 2);
        var models = new[] { baseModel.Network, first.Network, second.Network, first.Network };
        var prompts = new[] { 5, 9, 3, 7 };
        var newTokens = new[] { 1, 3, 2, 4 };                                                // 10 rows: the eight-row path and single rows

        using var scope = NewDisposeScope();
        using var noGrad = no_grad();
        var ids = randint(0, 96, [4, 20], dtype: ScalarType.Int64, generator: new TorchSharp.torch.Generator(6));
        KvCache[] Prefilled() => [.. models.Select((m, s) =>
        {
            var cache = m.NewCache();
            m.ForwardLast(ids[s].narrow(0, 0, prompts[s]).view(1, -1), cache);
            return cache;
        })];

        var together = Prefilled();
        var alone = Prefilled();
        var batch = TokenStep.TryRun([.. models.Select((m, s) => new StepSequence(m, together[s], Tokens(ids[s], prompts[s], newTokens[s])))]);
        Assert.NotNull(batch);
        var row = 0;
        for (var s = 0; s < models.Length; s++)
        {
            var single = TokenStep.TryRun([new StepSequence(models[s], alone[s], Tokens(ids[s], prompts[s], newTokens[s]))])!;
            var rows = batch.narrow(0, row, newTokens[s]);
            Assert.True(rows.equal(single).all().item<bool>(), $"sequence {s}: max |diff| {(rows - single).abs().max().item<float>()}");
            Assert.Equal(alone[s].Length, together[s].Length);
            row += newTokens[s];
        }

        foreach (var cache in together.Concat(alone))
        {
            cache.Dispose();
        }
    }

    [Fact]
    public void ModelsOnDifferentWeights_AreNotBatched()
    {
        using var folder = new TempFolder();
        var path = ModelFolderWithTokenizer(folder);
        using var one = ModelLoader.Load(path);
        using var other = ModelLoader.Load(path);
        using var scope = NewDisposeScope();
        using var noGrad = no_grad();
        using var a = one.NewCache();
        using var b = other.NewCache();
        Assert.Null(TokenStep.TryRun([new StepSequence(one, a, [1]), new StepSequence(other, b, [2])]));
        Assert.Null(TokenStep.TryRun([new StepSequence(one, a, [1]), new StepSequence(one, a, [2])]));     // one cache twice
        Assert.NotNull(TokenStep.TryRun([new StepSequence(one, a, [1]), new StepSequence(one, b, [2])]));
    }

    private static string ModelFolderWithTokenizer(TempFolder folder)
    {
        Core.Checkpoints.ModelFolderInitializer.Write(folder.Path, new Core.Checkpoints.ModelFolderInitializer.Options { Std = 0.2, Seed = 11 });
        return folder.Path;
    }

    private static long[] Tokens(Tensor ids, int start, int count) => ids.narrow(0, start, count).data<long>().ToArray();

    private static void Adapt(CausalLanguageModel model, string[] targets, int seed)
    {
        foreach (var adapter in LoraApplier.Apply(model, new LoraSettings { TargetModules = targets }, seed: seed).Values)
        {
            using var noGradient = no_grad();
            adapter.LoraB.Weight.copy_(randn(adapter.LoraB.Weight.shape, generator: new TorchSharp.torch.Generator((ulong)seed + 10)) * 0.3);
        }

        model.eval();
    }
}
