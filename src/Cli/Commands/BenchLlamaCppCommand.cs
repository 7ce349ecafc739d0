using System.Diagnostics;
using System.Text.Json;
using FineTuneMesh.LlamaCpp;
using Spectre.Console.Cli;

namespace FineTuneMesh.Cli.Commands;

/// <summary>
/// <c>bench llama-cpp --gguf FILE</c>: times llama.cpp alone and prints JSON. <c>bench generate</c>
/// runs it as a child process so that llama.cpp gets a process of its own, with its own threading
/// defaults, rather than one tuned for LibTorch.
/// </summary>
public sealed class BenchLlamaCppCommand : Command<BenchLlamaCppCommand.Settings>
{
    public sealed class Settings : CommandSettings
    {
        [CommandOption("--gguf <FILE>")] public string Gguf { get; init; } = "";
        [CommandOption("--prompt-tokens <N>")] public int PromptTokens { get; init; } = 128;
        [CommandOption("--decode-tokens <N>")] public int DecodeTokens { get; init; } = 64;
    }

    public sealed record Result(double PrefillTokensPerSecond, double TimeToFirstTokenMs, double DecodeTokensPerSecond, double PeakRssMb);

    public override int Execute(CommandContext context, Settings settings, CancellationToken cancellationToken)
    {
        var random = new Random(1);
        var prompt = Enumerable.Range(0, settings.PromptTokens).Select(_ => random.Next(400)).ToArray();
        using var llama = new LlamaCppReference(settings.Gguf, (uint)(Math.Max(settings.PromptTokens + settings.DecodeTokens, 8 + BenchGenerateCommand.WarmUpDecodeSteps) + 8));
        llama.Run(prompt[..8], BenchGenerateCommand.WarmUpDecodeSteps); // warm-up, as for our engine
                // As for our engine: three runs, the median prefill and the median decode rate kept.
        var runs = Enumerable.Range(0, 3).Select(_ => llama.Run(prompt, settings.DecodeTokens + 1)).ToList();
        var prefill = runs.Select(r => r.Prefill.TotalMilliseconds).Order().ElementAt(1);
        var decode = runs.Select(r => r.DecodeTokensPerSecond).Order().ElementAt(1);
        Console.WriteLine(JsonSerializer.Serialize(new Result(settings.PromptTokens / (prefill / 1000), prefill,
            decode, ProcessMemory.PeakRssMegabytes())));
        return 0;
    }

    /// <summary>Runs this command in a child process of the same CLI and returns its result.</summary>
    public static Result RunInChildProcess(string gguf, int promptTokens, int decodeTokens)
    {
        var start = new ProcessStartInfo(Environment.ProcessPath!) { RedirectStandardOutput = true, RedirectStandardError = true };
        if (Path.GetFileNameWithoutExtension(Environment.ProcessPath!) == "dotnet")
        {
            start.ArgumentList.Add(typeof(BenchLlamaCppCommand).Assembly.Location);
        }

        foreach (var argument in new[] { "bench", "llama-cpp", "--gguf", gguf, "--prompt-tokens", $"{promptTokens}", "--decode-tokens", $"{decodeTokens}" })
        {
            start.ArgumentList.Add(argument);
        }

        // llama.cpp's own default (spinning OpenMP workers), not the sleeping policy set for LibTorch.
        start.Environment["OMP_WAIT_POLICY"] = "ACTIVE";
        using var process = Process.Start(start)!;
        var output = process.StandardOutput.ReadToEnd();
        var errors = process.StandardError.ReadToEnd();
        process.WaitForExit();
        var json = output.Split('\n').LastOrDefault(l => l.TrimStart().StartsWith('{'));
        if (process.ExitCode != 0 || json is null)
        {
            throw new InvalidOperationException($"the llama.cpp benchmark process failed (exit {process.ExitCode}): {errors}");
        }

        return JsonSerializer.Deserialize<Result>(json)!;
    }
}
