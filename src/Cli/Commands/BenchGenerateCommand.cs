using System.ComponentModel;
using System.Diagnostics;
using FineTuneMesh.Core.Export;
using FineTuneMesh.Core.Kernels;
using FineTuneMesh.Core.Modeling;
using Spectre.Console;
using Spectre.Console.Cli;
using static TorchSharp.torch;

namespace FineTuneMesh.Cli.Commands;

/// <summary>
/// <c>bench generate</c>: prefill and decode speed of the engine per dtype (fp32, bf16, q8_0) against
/// llama.cpp on the same weights, the weights' read rate as a share of the memory bandwidth measured
/// in the same run, and each row's peak RSS. A benchmark, not a test: it prints a table and asserts nothing.
/// </summary>
public sealed class BenchGenerateCommand : Command<BenchGenerateCommand.Settings>
{
    public sealed class Settings : CommandSettings
    {
        [CommandOption("-m|--model <DIR>"), Description("Model folder (e.g. one made by `model init --preset qwen2.5-0.5b`).")]
        public string Model { get; init; } = "";
        [CommandOption("--dtypes <LIST>"), Description("Comma-separated dtypes (default auto,fp32,q8_0; auto is what the inference service picks on this CPU; q8_0 is compared with llama.cpp's own Q8_0 of the same weights).")]
        public string DTypes { get; init; } = "auto,fp32,q8_0";
        [CommandOption("--prompt-tokens <N>")] public int PromptTokens { get; init; } = 128;
        [CommandOption("--decode-tokens <N>")] public int DecodeTokens { get; init; } = 64;
        [CommandOption("--no-llama-cpp"), Description("Skip the llama.cpp rows.")] public bool NoLlamaCpp { get; init; }
    }

    public override int Execute(CommandContext context, Settings settings, CancellationToken cancellationToken)
    {
        var folder = ModelLocator.Resolve(settings.Model);
        var config = ModelConfig.Load(Path.Combine(folder, "config.json"));
        var table = new Table().AddColumns("engine", "dtype", "prefill tok/s", "TTFT ms (" + settings.PromptTokens + " tok)",
            "decode tok/s", "weights read GB/s (of bandwidth)", "peak RSS MB");
        var bandwidth = ReadBandwidth.GigabytesPerSecond();
        AnsiConsole.MarkupLineInterpolated(System.Globalization.CultureInfo.InvariantCulture,
            $"CPU: [bold]{CpuFeatures.Current.Describe()}[/], {Environment.ProcessorCount} threads; memory read bandwidth {bandwidth:F1} GB/s (measured now)");
        string Traffic(double tokensPerSecond, double bytesPerToken) =>
            $"{tokensPerSecond * bytesPerToken / 1e9:F1} ({tokensPerSecond * bytesPerToken / 1e9 / bandwidth:P0})";

        foreach (var requested in settings.DTypes.Split(',', StringSplitOptions.TrimEntries | StringSplitOptions.RemoveEmptyEntries))
        {
            var plan = ComputePlan.Choose(requested, ComputeWork.Inference, CpuFeatures.Current);
            var name = DTypeNames.ToUserName(plan.Weights);
            // Each row's peak is its own: what earlier rows freed goes back to the system first.
            GC.Collect();
            ProcessMemory.TrimAllocator();
            ProcessMemory.ResetPeak();
            var result = MeasureEngine(folder, plan.Weights, settings.PromptTokens, settings.DecodeTokens);
            table.AddRow("TorchSharp (ours)", $"{requested} ({plan.Summary})", $"{result.PrefillTokensPerSecond:F1}", $"{result.TimeToFirstTokenMs:F0}",
                $"{result.DecodeTokensPerSecond:F1}", Traffic(result.DecodeTokensPerSecond, DecodeTraffic.BytesPerToken(config, name)),
                $"{ProcessMemory.PeakRssMegabytes():F0}");
            if (!settings.NoLlamaCpp)
            {
                var peer = MeasureLlamaCpp(folder, name, settings.PromptTokens, settings.DecodeTokens, out var peerRss);
                table.AddRow("llama.cpp (same weights)", name == "q8_0" ? "Q8_0 (its own)" : name, $"{peer.PrefillTokensPerSecond:F1}",
                    $"{peer.TimeToFirstTokenMs:F0}", $"{peer.DecodeTokensPerSecond:F1}",
                    Traffic(peer.DecodeTokensPerSecond, DecodeTraffic.BytesPerToken(config, name, llamaCpp: true)), $"{peerRss:F0}");
                table.AddRow("[grey]ours / llama.cpp[/]", name, $"{result.PrefillTokensPerSecond / peer.PrefillTokensPerSecond:F2}x", "",
                    $"{result.DecodeTokensPerSecond / peer.DecodeTokensPerSecond:F2}x", "", "");
            }
        }

        AnsiConsole.Write(table);
        return 0;
    }

    /// <summary>Decode steps run before anything is timed, by both engines.</summary>
    internal const int WarmUpDecodeSteps = 32;

    private sealed record Measurement(double PrefillTokensPerSecond, double TimeToFirstTokenMs, double DecodeTokensPerSecond);

    private static Measurement MeasureEngine(string folder, ScalarType dtype, int promptTokens, int decodeTokens)
    {
        using var model = ModelLoader.Load(folder, dtype);
        using var noGrad = no_grad();
        var prompt = randint(0, Math.Min(model.Config.VocabSize, 400), [1, promptTokens], dtype: ScalarType.Int64,
            generator: new TorchSharp.torch.Generator(1));

        // Warm-up, the same for llama.cpp: the first bf16 matmuls pay one-time kernel set-up, and
        // .NET's tiered JIT promotes the small ops' code after a few dozen calls.
        RunOnce(model, prompt.narrow(1, 0, 8), WarmUpDecodeSteps);

        // The host is noisy: the prefill is timed three times and the median kept.
        var prefillTimes = new List<double>();
        for (var i = 0; i < 2; i++)
        {
            using var scratch = model.NewCache();
            using var scope = NewDisposeScope();
            var clock = Stopwatch.StartNew();
            model.ForwardLast(prompt, scratch).argmax(-1).item<long>();
            prefillTimes.Add(clock.Elapsed.TotalMilliseconds);
        }

        var prefill = Stopwatch.StartNew();
        using var cache = model.NewCache();
        long next;
        using (NewDisposeScope())
        {
            next = model.ForwardLast(prompt, cache).argmax(-1).item<long>();
        }

        prefillTimes.Add(prefill.Elapsed.TotalMilliseconds);
        var ttft = prefillTimes.Order().ElementAt(1);
        // Decode is timed in three rounds (the cache keeps growing) and the median kept, as for llama.cpp.
        var rates = new List<double>();
        for (var round = 0; round < 3; round++)
        {
            var decode = Stopwatch.StartNew();
            for (var i = 0; i < decodeTokens; i++)
            {
                using var scope = NewDisposeScope();
                next = model.ForwardLast(tensor(new[] { next }).view(1, 1), cache).argmax(-1).item<long>();
            }

            rates.Add(decodeTokens / decode.Elapsed.TotalSeconds);
        }

        return new Measurement(promptTokens / (ttft / 1000), ttft, rates.Order().ElementAt(1));
    }

    /// <summary>
    /// Exports the same weights to GGUF (F32 or BF16; for q8_0, F32 quantized by llama.cpp's own
    /// Q8_0 quantizer) and times llama.cpp, in its own process.
    /// </summary>
    private static Measurement MeasureLlamaCpp(string folder, string dtype, int promptTokens, int decodeTokens, out double peakRss)
    {
        var gguf = Path.Combine(Path.GetTempPath(), $"ftm-bench-{Guid.NewGuid():N}.gguf");
        var quantized = Path.ChangeExtension(gguf, ".q8_0.gguf");
        try
        {
            GgufExporter.Export(folder, gguf, dtype is "fp32" or "q8_0" ? GgufTensorType.F32 : GgufTensorType.BF16);
            if (dtype == "q8_0")
            {
                LlamaCpp.LlamaCppReference.QuantizeQ8_0(gguf, quantized);
            }

            var result = BenchLlamaCppCommand.RunInChildProcess(dtype == "q8_0" ? quantized : gguf, promptTokens, decodeTokens);
            peakRss = result.PeakRssMb;
            return new Measurement(result.PrefillTokensPerSecond, result.TimeToFirstTokenMs, result.DecodeTokensPerSecond);
        }
        finally
        {
            File.Delete(gguf);
            File.Delete(quantized);
        }
    }

    private static void RunOnce(CausalLanguageModel model, Tensor prompt, int steps)
    {
        using var cache = model.NewCache();
        using var scope = NewDisposeScope();
        var next = model.ForwardLast(prompt, cache).argmax(-1).item<long>();
        for (var i = 0; i < steps; i++)
        {
            next = model.ForwardLast(tensor(new[] { next }).view(1, 1), cache).argmax(-1).item<long>();
        }
    }
}
