using FineTuneMesh.Core.Checkpoints;
using FineTuneMesh.Core.Lora;
using FineTuneMesh.Core.Modeling;
using static TorchSharp.torch;

namespace FineTuneMesh.Core.Tests.Lora;

/// <summary>A merged model written back as a Hugging Face checkpoint loads with the adapted logits.</summary>
public class CheckpointWriterTests
{
    [Fact]
    public void AMergedCheckpointLoadsWithTheAdaptedLogitsAndTheBaseNames()
    {
        using var folder = new TempFolder();
        using var output = new TempFolder();
        var path = TinyModels.WriteWeights(folder, TinyModels.Config(), std: 0.2);
        using var scope = NewDisposeScope();
        using var noGrad = no_grad();
        var ids = tensor(new long[] { 3, 1, 4, 1, 5, 9, 2, 6 }).view(1, -1);

        using var model = ModelLoader.Load(path);
        // Fused parts (q/v of q/k/v, gate of gate/up) and a plain projection (down).
        var settings = new LoraSettings { Rank = 4, Alpha = 8, TargetModules = ["q_proj", "v_proj", "gate_proj", "down_proj"] };
        foreach (var adapter in LoraApplier.Apply(model, settings, seed: 2).Values)
        {
            adapter.LoraB.Weight.normal_(0, 0.1);                                             // as if trained
        }

        var expected = model.Forward(ids);
        Assert.Equal(8, LoraMerger.Merge(model));
        CheckpointWriter.Write(output.Path, model);
        using var reloaded = ModelLoader.Load(output.Path);

        Assert.True(reloaded.Forward(ids).allclose(expected, rtol: 1e-5, atol: 1e-5));
        using var original = SafetensorsFile.Open(Path.Combine(path, CheckpointReader.SingleFileName));
        using var written = SafetensorsFile.Open(output.File(CheckpointReader.SingleFileName));
        Assert.Equal(original.Entries.Keys.Order(), written.Entries.Keys.Order());
        Assert.DoesNotContain("lm_head.weight", written.Entries.Keys);
        using var untouched = ModelLoader.Load(path);
        Assert.False(reloaded.Forward(ids).allclose(untouched.Forward(ids), rtol: 1e-3, atol: 1e-3));
    }

    [Fact]
    public void AnUnchangedModelRoundTripsExactlyInItsStoredDtype()
    {
        using var folder = new TempFolder();
        using var output = new TempFolder();
        var path = TinyModels.WriteWeights(folder, TinyModels.Config(tied: false), std: 0.2, dtype: ScalarType.BFloat16);
        using var model = ModelLoader.Load(path);                                             // computes in fp32

        CheckpointWriter.Write(output.Path, model, ScalarType.BFloat16, Path.Combine(path, "config.json"));

        using var scope = NewDisposeScope();
        using var original = SafetensorsFile.Open(Path.Combine(path, CheckpointReader.SingleFileName));
        using var written = SafetensorsFile.Open(output.File(CheckpointReader.SingleFileName));
        Assert.Equal(original.Entries.Keys.Order(), written.Entries.Keys.Order());
        Assert.Contains("lm_head.weight", written.Entries.Keys);
        foreach (var (name, entry) in original.Entries)
        {
            Assert.Equal("BF16", written.Entries[name].DType);
            Assert.Equal(entry.Shape, written.Entries[name].Shape);
            Assert.True(written.Read(name).equal(original.Read(name)).all().item<bool>(), name);
        }

        Assert.Equal("bfloat16", ModelConfig.Load(output.File("config.json")).TorchDtype);
    }

    [Fact]
    public void AModelThatStillCarriesAdaptersIsRefused()
    {
        using var folder = new TempFolder();
        using var output = new TempFolder();
        using var model = ModelLoader.Load(TinyModels.WriteWeights(folder, TinyModels.Config()));
        LoraApplier.Apply(model, new LoraSettings());

        var error = Assert.Throws<InvalidOperationException>(() => CheckpointWriter.Write(output.Path, model));
        Assert.Contains("merge", error.Message);
    }
}
