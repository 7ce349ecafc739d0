using FineTuneMesh.LlamaCpp;
using FineTuneMesh.Core.Export;
using FineTuneMesh.Core.Modeling;
using Xunit.Abstractions;
using static TorchSharp.torch;

namespace FineTuneMesh.Core.Tests.Export;

/// <summary>Exported files load in llama.cpp, and its logits agree with our engine's.</summary>
public class LlamaCppExportTests(ITestOutputHelper output)
{
    [Theory]
    [InlineData("qwen2", true, GgufTensorType.F32)]
    [InlineData("qwen2", true, GgufTensorType.BF16)]
    [InlineData("llama", false, GgufTensorType.F16)]
    public void LlamaCppLoadsTheExportAndReturnsFullVocabularyLogits(string type, bool tied, GgufTensorType tensorType)
    {
        using var folder = new TempFolder();
        GgufTestModels.Write(folder, GgufTestModels.Config(type, tied));
        var path = folder.File("model.gguf");
        GgufExporter.Export(folder.Path, path, tensorType);

        using var reference = new LlamaCppReference(path);
        Assert.Equal(GgufTestModels.VocabSize, reference.VocabularySize);
        var result = reference.Run(GgufTestModels.PromptIds(9), continuation: 5);
        Assert.Equal(GgufTestModels.VocabSize, result.LastLogits.Length);
        Assert.All(result.LastLogits, x => Assert.True(float.IsFinite(x)));
        Assert.Equal(5, result.Continuation.Length);
        Assert.Equal(LlamaCppReference.ArgMax(result.LastLogits), result.Continuation[0]);
    }

    [Theory]
    [InlineData("qwen2", true, false, 1, 0.02)]
    [InlineData("qwen2", true, false, 7, 0.02)]
    [InlineData("qwen2", true, false, 64, 0.02)]
    [InlineData("llama", false, false, 7, 0.02)]
    [InlineData("llama", false, true, 64, 0.02)]
    [InlineData("qwen2", true, false, 300, 0.2)]
    [InlineData("llama", false, true, 300, 0.2)]
    public void F32LogitsMatchTheEngine(string type, bool tied, bool attentionBias, int length, double std)
    {
        using var folder = new TempFolder();
        GgufTestModels.Write(folder, GgufTestModels.Config(type, tied, attentionBias), std);
        var path = folder.File("model.gguf");
        GgufExporter.Export(folder.Path, path, GgufTensorType.F32);
        var ids = GgufTestModels.PromptIds(length);

        var llama = LlamaCppReference.Run(path, ids).LastLogits;
        var engine = EngineLastLogits(folder.Path, ids);

        Assert.Equal(engine.Length, llama.Length);
        var maxDiff = engine.Zip(llama, (a, b) => Math.Abs(a - b)).Max();
        var scale = engine.Max(Math.Abs);
        output.WriteLine($"{type} tied={tied} bias={attentionBias} T={length} std={std}: max |diff| {maxDiff:E3} (max |logit| {scale:F4})");
        // fp32 on both sides: 1e-4 absolute, relative to the logits' size once they exceed 1.
        var tolerance = 1e-4 * Math.Max(1.0, scale);
        Assert.True(maxDiff <= tolerance, $"max |diff| {maxDiff:E3} exceeds {tolerance:E1} (max |logit| {scale:F4})");
    }

    [Fact]
    public void GreedyContinuationMatchesTheEngine()
    {
        using var folder = new TempFolder();
        GgufTestModels.Write(folder, GgufTestModels.Config(), std: 0.2);
        var path = folder.File("model.gguf");
        GgufExporter.Export(folder.Path, path, GgufTensorType.F32);
        var ids = GgufTestModels.PromptIds(12);

        var llama = LlamaCppReference.Run(path, ids, continuation: 16).Continuation;

        using var model = ModelLoader.Load(folder.Path);
        var sequence = ids.ToList();
        var engine = new List<int>();
        for (var step = 0; step < 16; step++)
        {
            var next = LlamaCppReference.ArgMax(EngineLastLogits(model, sequence));
            engine.Add(next);
            sequence.Add(next);
        }

        output.WriteLine($"llama.cpp: {string.Join(",", llama)}\nengine:    {string.Join(",", engine)}");
        Assert.Equal(engine, llama);
    }

    private static float[] EngineLastLogits(string folder, IReadOnlyList<int> ids)
    {
        using var model = ModelLoader.Load(folder);
        return EngineLastLogits(model, ids);
    }

    private static float[] EngineLastLogits(CausalLanguageModel model, IReadOnlyList<int> ids)
    {
        using var scope = NewDisposeScope();
        using var noGrad = no_grad();
        var input = tensor(ids.Select(i => (long)i).ToArray(), ScalarType.Int64).view(1, ids.Count);
        var logits = model.Forward(input);                                                  // [1, T, V]
        return logits[0, ids.Count - 1].data<float>().ToArray();
    }
}
