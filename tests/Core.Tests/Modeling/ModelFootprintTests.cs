using FineTuneMesh.Core.Modeling;
using static TorchSharp.torch;

namespace FineTuneMesh.Core.Tests.Modeling;

public sealed class ModelFootprintTests
{
    // The published parameter counts of the real models these presets copy.
    [Theory]
    [InlineData("qwen2.5-0.5b", 494_032_768L)]
    [InlineData("qwen2.5-1.5b", 1_543_714_304L)]
    [InlineData("qwen2.5-3b", 3_085_938_688L)]
    [InlineData("llama-3.2-1b", 1_235_814_400L)]
    public void PresetShapes_HaveTheRealModelsParameterCounts(string preset, long parameters) =>
        Assert.Equal(parameters, ModelFootprint.Parameters(ModelPresets.Named(preset)!));

    [Fact]
    public void AModelThatCannotFit_IsRefusedUpFrontWithTheNumbers()
    {
        var e = Assert.Throws<InsufficientMemoryException>(() =>
            ModelFootprint.EnsureFits(ModelPresets.Qwen25_3B, ScalarType.Float32, "qwen-3b", available: 8L << 30));
        Assert.Contains("3.09B parameters need 12.3 GB in fp32", e.Message);
        Assert.Contains("only 8.6 GB of memory is free", e.Message);
        Assert.Contains("Try bf16", e.Message);
    }

    [Fact]
    public void AModelThatFits_Passes() =>
        ModelFootprint.EnsureFits(ModelPresets.Qwen25_05B, ScalarType.BFloat16, "qwen-0.5b", available: 4L << 30);
}
