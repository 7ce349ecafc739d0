using FineTuneMesh.Core.Lora;
using FineTuneMesh.Core.Modeling;
using static TorchSharp.torch;

namespace FineTuneMesh.Core.Tests.Lora;

public class LoraTests
{
    [Fact]
    public void TrainableCountsAgreeWithPeftForQwen25()
    {
        using var model = new CausalLanguageModel(ModelPresets.Qwen25_05B, META);
        LoraApplier.Apply(model, new LoraSettings { Rank = 8, TargetModules = ["q_proj", "v_proj"] });

        Assert.Equal("trainable params: 540,672 || all params: 494,573,440 || trainable%: 0.1093",
            ParameterCounts.Of(model).ToString());
    }

    [Fact]
    public void OnlyTheLoraMatricesOfTheTargetsAreTrainable()
    {
        using var folder = new TempFolder();
        using var model = ModelLoader.Load(TinyModels.WriteWeights(folder, TinyModels.Config()));
        LoraApplier.Apply(model, new LoraSettings { TargetModules = ["all-linear"], Rank = 4 });

        var trainable = model.named_parameters().Where(p => p.parameter.requires_grad).Select(p => p.name).ToHashSet();
        string[] mlp = ["gate_proj", "up_proj", "down_proj"];
        var expected = (
            from layer in Enumerable.Range(0, 2)
            from target in LoraSettings.AllLinear
            from matrix in new[] { "lora_A", "lora_B" }
            select $"model.layers.{layer}.{(mlp.Contains(target) ? "mlp" : "self_attn")}.{target}.{matrix}.weight").ToHashSet();
        Assert.Equal(expected, trainable);
        Assert.DoesNotContain(model.named_parameters(), p => p.name.Contains("embed_tokens") && p.parameter.requires_grad);
    }

    [Fact]
    public void AtInitialisationTheAdaptedModelEqualsTheBase()
    {
        using var folder = new TempFolder();
        var path = TinyModels.WriteWeights(folder, TinyModels.Config(), std: 0.2);
        using var baseModel = ModelLoader.Load(path);
        using var adapted = ModelLoader.Load(path);
        LoraApplier.Apply(adapted, new LoraSettings { TargetModules = ["all-linear"] }, seed: 1);
        using var scope = NewDisposeScope();
        using var noGrad = no_grad();
        var ids = tensor(new long[] { 5, 6, 7, 8 }).view(1, -1);

        Assert.True(adapted.Forward(ids).equal(baseModel.Forward(ids)).all().item<bool>());
    }

    [Fact]
    public void SavedAdaptersLoadBackAndMergedEqualsUnmerged()
    {
        using var folder = new TempFolder();
        using var adapterFolder = new TempFolder();
        var path = TinyModels.WriteWeights(folder, TinyModels.Config(), std: 0.2);
        var settings = new LoraSettings { Rank = 4, Alpha = 8, TargetModules = ["q_proj", "v_proj", "down_proj"] };
        using var scope = NewDisposeScope();
        using var noGrad = no_grad();
        var ids = tensor(new long[] { 1, 2, 3, 4, 5 }).view(1, -1);

        using var trained = ModelLoader.Load(path);
        var adapters = LoraApplier.Apply(trained, settings, seed: 3);
        foreach (var adapter in adapters.Values)
        {
            adapter.LoraB.Weight.normal_(0, 0.1);                                         // as if trained
        }

        AdapterFiles.Save(adapterFolder.Path, adapters, settings, "tiny", "abc123");
        var expected = trained.Forward(ids);
        using var reloaded = ModelLoader.Load(path);
        AdapterFiles.Load(adapterFolder.Path, reloaded);
        var config = AdapterFiles.ReadConfig(adapterFolder.Path);

        Assert.True(reloaded.Forward(ids).equal(expected).all().item<bool>());
        Assert.Equal(("LORA", 4, 8.0, "tiny", "abc123"), (config.PeftType, config.Rank, config.Alpha, config.BaseModelNameOrPath, config.Revision));
        Assert.Equal(6, LoraMerger.Merge(reloaded));
        Assert.True(reloaded.Forward(ids).allclose(expected, rtol: 1e-5, atol: 1e-5));
        Assert.DoesNotContain(reloaded.named_parameters(), p => p.name.Contains("lora_"));
        using var untouched = ModelLoader.Load(path);
        Assert.False(reloaded.Forward(ids).allclose(untouched.Forward(ids), rtol: 1e-3, atol: 1e-3));
    }

    [Fact]
    public void AdapterFilesThatDoNotFitAreRefusedByName()
    {
        using var folder = new TempFolder();
        using var adapterFolder = new TempFolder();
        var path = TinyModels.WriteWeights(folder, TinyModels.Config());
        using var model = ModelLoader.Load(path);
        var settings = new LoraSettings { TargetModules = ["q_proj"] };
        AdapterFiles.Save(adapterFolder.Path, LoraApplier.Apply(model, settings), settings, null, null);

        // The same adapter against a model with another hidden size.
        using var otherFolder = new TempFolder();
        using var other = ModelLoader.Load(TinyModels.WriteWeights(otherFolder, TinyModels.Config() with { HiddenSize = 32 }));
        var error = Assert.Throws<InvalidDataException>(() => AdapterFiles.Load(adapterFolder.Path, other));
        Assert.Contains("adapter_model.safetensors", error.Message);
        Assert.Contains("another model", error.Message);

        var configPath = Path.Combine(adapterFolder.Path, AdapterConfig.FileName);
        File.WriteAllText(configPath, File.ReadAllText(configPath).Replace("q_proj", "lm_head"));
        using var again = ModelLoader.Load(path);
        Assert.Contains("unknown LoRA target(s) lm_head", Assert.Throws<InvalidDataException>(() => AdapterFiles.Load(adapterFolder.Path, again)).Message);

        // PEFT writes empty patterns by default; a real per-layer pattern would change the maths, so it is refused.
        File.WriteAllText(configPath, File.ReadAllText(configPath).Replace("lm_head", "q_proj").TrimEnd().TrimEnd('}') + ", \"rank_pattern\": {}, \"alpha_pattern\": {\"q_proj\": 32}}");
        using var patterned = ModelLoader.Load(path);
        Assert.Contains("alpha_pattern", Assert.Throws<NotSupportedException>(() => AdapterFiles.Load(adapterFolder.Path, patterned)).Message);
    }
}
