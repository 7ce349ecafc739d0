using System.Diagnostics;
using System.Net;
using System.Net.Sockets;

namespace FineTuneMesh.Cli.Commands;

/// <summary>
/// A FineTuneMesh service (its built dll) run as a child process on ports of our choosing, for
/// benchmarks: started with <c>dotnet</c>, ready once <c>/health</c> answers, killed on dispose.
/// </summary>
public sealed class ServiceProcess : IDisposable
{
    private readonly Process _process;
    private readonly Queue<string> _lastLines = new();

    private ServiceProcess(Process process)
    {
        _process = process;
        _process.OutputDataReceived += (_, e) => Remember(e.Data);
        _process.ErrorDataReceived += (_, e) => Remember(e.Data);
        _process.BeginOutputReadLine();
        _process.BeginErrorReadLine();
    }

    /// <summary>Starts <c>src/{project}/bin/{configuration}/net10.0/{assembly}.dll</c> of the repository this CLI was built in.</summary>
    public static ServiceProcess Start(string project, string assembly, IReadOnlyDictionary<string, string> environment)
    {
        var dll = FindServiceDll(project, assembly);
        var start = new ProcessStartInfo("dotnet")
        {
            WorkingDirectory = Path.GetDirectoryName(dll)!,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
        };
        start.ArgumentList.Add(dll);
        start.Environment["ASPNETCORE_ENVIRONMENT"] = "Production";
        start.Environment["Logging__LogLevel__Default"] = "Warning";
        foreach (var (key, value) in environment)
        {
            start.Environment[key] = value;
        }

        return new ServiceProcess(Process.Start(start)!);
    }

    public static int FreePort()
    {
        using var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        return ((IPEndPoint)listener.LocalEndpoint).Port;
    }

    /// <summary>Waits until GET /health answers 200 (Healthy or Degraded).</summary>
    public async Task WaitHealthyAsync(Uri baseAddress, TimeSpan limit, CancellationToken cancellationToken)
    {
        using var http = new HttpClient { BaseAddress = baseAddress, Timeout = TimeSpan.FromSeconds(5) };
        var clock = Stopwatch.StartNew();
        while (true)
        {
            if (_process.HasExited)
            {
                throw new InvalidOperationException($"the service exited (code {_process.ExitCode}):\n{Output}");
            }

            try
            {
                using var response = await http.GetAsync("/health", cancellationToken).ConfigureAwait(false);
                if (response.IsSuccessStatusCode)
                {
                    return;
                }
            }
            catch (HttpRequestException)
            {
                // Not listening yet.
            }

            if (clock.Elapsed > limit)
            {
                throw new TimeoutException($"{baseAddress} was not healthy after {limit.TotalSeconds} s:\n{Output}");
            }

            await Task.Delay(200, cancellationToken).ConfigureAwait(false);
        }
    }

    public string Output
    {
        get
        {
            lock (_lastLines)
            {
                return string.Join('\n', _lastLines);
            }
        }
    }

    public void Dispose()
    {
        if (!_process.HasExited)
        {
            _process.Kill(entireProcessTree: true);
            _process.WaitForExit(10_000);
        }

        _process.Dispose();
    }

    private void Remember(string? line)
    {
        if (line is null)
        {
            return;
        }

        lock (_lastLines)
        {
            _lastLines.Enqueue(line);
            while (_lastLines.Count > 40)
            {
                _lastLines.Dequeue();
            }
        }
    }

    private static string FindServiceDll(string project, string assembly)
    {
        // This CLI runs from src/Cli/bin/<configuration>/net10.0/: the services sit beside it.
        var binFolder = new DirectoryInfo(AppContext.BaseDirectory.TrimEnd(Path.DirectorySeparatorChar));
        var configuration = binFolder.Parent?.Name ?? "Release";
        for (var folder = binFolder; folder is not null; folder = folder.Parent)
        {
            if (File.Exists(Path.Combine(folder.FullName, "FineTuneMesh.sln")))
            {
                var dll = Path.Combine(folder.FullName, "src", project, "bin", configuration, binFolder.Name, $"{assembly}.dll");
                return File.Exists(dll)
                    ? dll
                    : throw new FileNotFoundException($"{dll} is missing: build it first (`dotnet build src/{project} -c {configuration}`).");
            }
        }

        throw new DirectoryNotFoundException("bench serve runs from a build of the repository (it starts the services' own builds); FineTuneMesh.sln was not found above " + AppContext.BaseDirectory);
    }
}
