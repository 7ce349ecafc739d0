using System.Diagnostics;
using System.Net;
using System.Net.Sockets;

namespace FineTuneMesh.Tests.Shared;

/// <summary>
/// The npm S3 server the mesh uses without Docker (tools/local-servers, installed by test.sh and
/// run.sh), started on a free port with a fresh data folder for one test class. Compiled into each test project that needs a real S3 server without the AppHost.
/// </summary>
public sealed class S3rverFixture : IAsyncLifetime
{
    private readonly string _data = Path.Combine(Path.GetTempPath(), "ftm-tests", "s3rver-" + Guid.NewGuid().ToString("N"));
    private Process? _process;

    public int Port { get; } = FreePort();

    /// <summary>s3rver checks signatures against its built-in key pair, S3RVER/S3RVER (as the AppHost uses it).</summary>
    public string ConnectionString => $"Endpoint=http://127.0.0.1:{Port};AccessKey=S3RVER;SecretKey=S3RVER";

    public async Task InitializeAsync()
    {
        Directory.CreateDirectory(_data);
        var root = RepoRoot();
        var server = Path.Combine(root, "tools", "local-servers", "node_modules", "s3rver", "bin", "s3rver.js");
        if (!File.Exists(server))
        {
            throw new InvalidOperationException($"{server} is missing: run 'npm ci --prefix tools/local-servers' (test.sh does).");
        }

        _process = Process.Start(new ProcessStartInfo("node", [server, "-d", _data, "-a", "127.0.0.1", "-p", Port.ToString(System.Globalization.CultureInfo.InvariantCulture), "--silent"])
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
        })!;
        var deadline = DateTime.UtcNow.AddSeconds(20);
        while (true)
        {
            try
            {
                using var client = new TcpClient();
                await client.ConnectAsync(IPAddress.Loopback, Port);
                return;
            }
            catch (SocketException) when (DateTime.UtcNow < deadline && !_process.HasExited)
            {
                await Task.Delay(100);
            }
        }
    }

    public async Task DisposeAsync()
    {
        if (_process is { HasExited: false })
        {
            _process.Kill();
            await _process.WaitForExitAsync();
        }

        _process?.Dispose();
        if (Directory.Exists(_data))
        {
            Directory.Delete(_data, recursive: true);
        }
    }

    private static int FreePort()
    {
        using var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        return ((IPEndPoint)listener.LocalEndpoint).Port;
    }

    private static string RepoRoot()
    {
        for (var directory = new DirectoryInfo(AppContext.BaseDirectory); directory is not null; directory = directory.Parent)
        {
            if (File.Exists(Path.Combine(directory.FullName, "FineTuneMesh.sln")))
            {
                return directory.FullName;
            }
        }

        throw new InvalidOperationException("the repository root (FineTuneMesh.sln) is not above the test folder.");
    }
}
