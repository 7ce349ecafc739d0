using System.Diagnostics;
using System.Text.Json;

namespace FineTuneMesh.Cli.Tests;

/// <summary>Runs the built <c>finetunemesh</c> CLI as a child process.</summary>
public static class CliProcess
{
    public sealed record Result(int ExitCode, string Output, string Errors)
    {
        public JsonElement Json => JsonDocument.Parse(Output).RootElement;
    }

    public static Result Run(params string[] arguments)
    {
        var start = new ProcessStartInfo("dotnet")
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            WorkingDirectory = Path.GetTempPath(),
        };
        start.ArgumentList.Add(CliPath());
        foreach (var argument in arguments)
        {
            start.ArgumentList.Add(argument);
        }

        using var process = Process.Start(start)!;
        var output = process.StandardOutput.ReadToEndAsync();
        var errors = process.StandardError.ReadToEndAsync();
        if (!process.WaitForExit(TimeSpan.FromMinutes(2)))
        {
            process.Kill(entireProcessTree: true);
            throw new TimeoutException($"finetunemesh {string.Join(' ', arguments)} did not finish in 2 minutes.");
        }

        return new Result(process.ExitCode, output.Result, errors.Result);
    }

    /// <summary>src/Cli's build output for the configuration these tests were built in.</summary>
    private static string CliPath()
    {
        var testBin = new DirectoryInfo(AppContext.BaseDirectory);                          // .../bin/<Config>/net10.0/
        var configuration = testBin.Parent!.Name;
        var framework = testBin.Name;
        for (var dir = testBin; dir is not null; dir = dir.Parent)
        {
            if (File.Exists(Path.Combine(dir.FullName, "FineTuneMesh.sln")))
            {
                var path = Path.Combine(dir.FullName, "src", "Cli", "bin", configuration, framework, "finetunemesh.dll");
                return File.Exists(path) ? path : throw new FileNotFoundException($"the CLI is not built at {path}.");
            }
        }

        throw new DirectoryNotFoundException($"no FineTuneMesh.sln above {AppContext.BaseDirectory}.");
    }
}
