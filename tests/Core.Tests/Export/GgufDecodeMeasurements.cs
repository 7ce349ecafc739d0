using FineTuneMesh.LlamaCpp;
using System.Runtime.InteropServices;
using FineTuneMesh.Core.Checkpoints;
using FineTuneMesh.Core.Export;
using FineTuneMesh.Core.Modeling;
using LLama.Native;
using Xunit.Abstractions;
using static TorchSharp.torch;

namespace FineTuneMesh.Core.Tests.Export;

/// <summary>llama.cpp's prefill and decode speed on exported files (2 threads).</summary>
public class GgufDecodeMeasurements(ITestOutputHelper output)
{
    [MeasurementFact]
    public void TinyModelDecodeSpeed()
    {
        using var folder = new TempFolder();
        GgufTestModels.Write(folder, GgufTestModels.Config());
        foreach (var type in new[] { GgufTensorType.F32, GgufTensorType.BF16 })
        {
            var path = folder.File($"tiny-{type}.gguf");
            GgufExporter.Export(folder.Path, path, type);
            Measure($"tiny {type}", path, rounds: 3);
        }
    }

    [MeasurementFact]
    public void Qwen25HalfBillionBf16DecodeSpeed()
    {
        using var folder = new TempFolder();
        var clock = System.Diagnostics.Stopwatch.StartNew();
        RandomCheckpointWriter.Write(folder.Path, ModelPresets.Qwen25_05B, 0.02, seed: 1, ScalarType.BFloat16);
        TestTokenizerFiles.Write(folder.Path);
        output.WriteLine($"random BF16 checkpoint written in {clock.Elapsed.TotalSeconds:F1} s");
        clock.Restart();
        var path = folder.File("qwen2.5-0.5b-random-bf16.gguf");
        GgufExporter.Export(folder.Path, path, GgufTensorType.BF16);
        output.WriteLine($"BF16 GGUF ({new FileInfo(path).Length / 1e6:F0} MB) exported in {clock.Elapsed.TotalSeconds:F1} s");
        Measure("Qwen2.5-0.5B shapes BF16", path, rounds: 2);
    }

    private void Measure(string label, string path, int rounds)
    {
        using var reference = new LlamaCppReference(path);
        output.WriteLine($"llama.cpp library: {NativeApi.GetLoadedNativeLibrary(NativeLibraryName.LLama)?.Metadata}");
        output.WriteLine($"llama.cpp system info: {Marshal.PtrToStringUTF8(NativeApi.llama_print_system_info())}");
        var prompt = Enumerable.Range(0, 128).Select(i => 100 + (i % 150)).ToArray();
        for (var round = 0; round < rounds; round++)
        {
            var result = reference.Run(prompt, continuation: 65);
            output.WriteLine($"{label} round {round + 1}: prefill 128 tokens {128 / result.Prefill.TotalSeconds:F1} tok/s, " +
                $"decode {result.DecodeTokensPerSecond:F1} tok/s (64 steps)");
        }
    }
}
