using System.Diagnostics;
using System.Text.Json;

namespace FineTuneMesh.Tests.Shared;

/// <summary>
/// Runs the built <c>finetunemesh</c> CLI as a child process (compiled into each test project that
/// drives it: the CLI's own tests and the mesh tests).
/// </summary>
public static class CliProcess
{
    public sealed record Result(int ExitCode, string Output, string Errors)
    {
        public JsonElement Json => JsonDocument.Parse(Output).RootElement;
    }

    public static Result Run(params string[] arguments) => Run(arguments, null, null, TimeSpan.FromMinutes(2));

    /// <summary>Runs with <paramref name="input"/> on standard input and <paramref name="environment"/> added to this process's variables.</summary>
    public static Result Run(IEnumerable<string> arguments, string? input, IReadOnlyDictionary<string, string>? environment, TimeSpan timeout,
        string? workingDirectory = null)
    {
        var start = new ProcessStartInfo("dotnet")
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            RedirectStandardInput = input is not null,
            WorkingDirectory = workingDirectory ?? Path.GetTempPath(),
        };
        foreach (var (name, value) in environment ?? new Dictionary<string, string>())
        {
            start.Environment[name] = value;
        }

        start.ArgumentList.Add(CliPath());
        foreach (var argument in arguments)
        {
            start.ArgumentList.Add(argument);
        }

        using var process = Process.Start(start)!;
        var output = process.StandardOutput.ReadToEndAsync();
        var errors = process.StandardError.ReadToEndAsync();
        if (input is not null)
        {
            process.StandardInput.Write(input);
            process.StandardInput.Close();
        }

        if (!process.WaitForExit(timeout))
        {
            process.Kill(entireProcessTree: true);
            throw new TimeoutException($"finetunemesh {string.Join(' ', start.ArgumentList.Skip(1))} did not finish in {timeout}; output so far: {errors.Result}");
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
