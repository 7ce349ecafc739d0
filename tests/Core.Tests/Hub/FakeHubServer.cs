using System.Collections.Concurrent;
using System.Net;
using System.Net.Sockets;
using System.Text;
using System.Text.Json;

namespace FineTuneMesh.Core.Tests.Hub;

/// <summary>
/// A loopback HTTP/1.1 server speaking the two Hub endpoints a pull uses:
/// GET /api/models/{owner}/{name}/revision/{revision} and GET /{owner}/{name}/resolve/{sha}/{file}.
/// Raw sockets rather than HttpListener so that a response can be cut off cleanly after N bytes.
/// </summary>
internal sealed class FakeHubServer : IDisposable
{
    private readonly TcpListener _listener;
    private readonly CancellationTokenSource _stop = new();
    private readonly FakeRepo _repo;
    private int _dropsLeft;

    public FakeHubServer(FakeRepo repo)
    {
        _repo = repo;
        _listener = new TcpListener(IPAddress.Loopback, 0);
        _listener.Start();
        Endpoint = new Uri($"http://127.0.0.1:{((IPEndPoint)_listener.LocalEndpoint).Port}");
        _ = Task.Run(AcceptLoopAsync);
    }

    public Uri Endpoint { get; }

    public ConcurrentQueue<RecordedRequest> Requests { get; } = new();

    /// <summary>When set, requests without "Authorization: Bearer {token}" get 401.</summary>
    public string? RequiredToken { get; set; }

    /// <summary>When set, the first download of <see cref="DropFile"/> sends this many body bytes and closes.</summary>
    public int? DropAfterBytes
    {
        get;
        set
        {
            field = value;
            _dropsLeft = value is null ? 0 : 1;
        }
    }

    public string DropFile { get; set; } = "model.safetensors";

    /// <summary>Answer Range requests with 200 and the whole file, as some proxies do.</summary>
    public bool IgnoreRange { get; set; }

    /// <summary>When set, file downloads answer 302 to the same path on this origin (as the Hub does with its CDN).</summary>
    public Uri? RedirectDownloadsTo { get; set; }

    /// <summary>Accept revision requests but never answer them.</summary>
    public bool HangOnRevision { get; set; }

    public IEnumerable<RecordedRequest> Downloads(string file) =>
        Requests.Where(r => r.Path.EndsWith($"/resolve/{FakeRepo.Sha}/{file}", StringComparison.Ordinal));

    public void Stop()
    {
        if (!_stop.IsCancellationRequested)
        {
            _stop.Cancel();
            _listener.Stop();
        }
    }

    public void Dispose()
    {
        Stop();
        _stop.Dispose();
    }

    private async Task AcceptLoopAsync()
    {
        while (!_stop.IsCancellationRequested)
        {
            TcpClient client;
            try
            {
                client = await _listener.AcceptTcpClientAsync(_stop.Token);
            }
            catch (Exception e) when (e is OperationCanceledException or SocketException or ObjectDisposedException)
            {
                return;
            }

            _ = Task.Run(() => HandleAsync(client));
        }
    }

    private async Task HandleAsync(TcpClient client)
    {
        using var connection = client;
        try
        {
            var stream = client.GetStream();
            var (method, target, headers) = await ReadRequestAsync(stream);
            headers.TryGetValue("range", out var range);
            headers.TryGetValue("authorization", out var authorization);
            var path = target.Split('?')[0];
            Requests.Enqueue(new RecordedRequest(method, path, range, authorization));

            if (RequiredToken is not null && authorization != $"Bearer {RequiredToken}")
            {
                await WriteAsync(stream, 401, "Unauthorized", [], Encoding.UTF8.GetBytes("""{"error":"Invalid credentials"}"""));
                return;
            }

            var prefix = $"/{_repo.RepoId}/";
            if (path.StartsWith($"/api/models/{_repo.RepoId}/revision/", StringComparison.Ordinal))
            {
                await RevisionAsync(stream, Uri.UnescapeDataString(path[$"/api/models/{_repo.RepoId}/revision/".Length..]));
            }
            else if (RedirectDownloadsTo is not null && path.StartsWith($"{prefix}resolve/", StringComparison.Ordinal))
            {
                var location = RedirectDownloadsTo.IsAbsoluteUri ? new Uri(RedirectDownloadsTo, path).AbsoluteUri : RedirectDownloadsTo + path;
                await WriteAsync(stream, 302, "Found", [("Location", location)], []);
            }
            else if (path.StartsWith($"{prefix}resolve/{FakeRepo.Sha}/", StringComparison.Ordinal))
            {
                var file = string.Join('/', path[$"{prefix}resolve/{FakeRepo.Sha}/".Length..].Split('/').Select(Uri.UnescapeDataString));
                await ResolveAsync(stream, file, range);
            }
            else
            {
                await WriteAsync(stream, 404, "Not Found", [("X-Error-Code", "RepoNotFound")], []);
            }
        }
        catch (Exception e) when (e is IOException or SocketException or ObjectDisposedException or OperationCanceledException)
        {
            // The client went away or the server stopped.
        }
    }

    private async Task RevisionAsync(NetworkStream stream, string revision)
    {
        if (HangOnRevision)
        {
            await Task.Delay(Timeout.Infinite, _stop.Token);
        }

        if (revision is not ("main" or FakeRepo.Sha))
        {
            await WriteAsync(stream, 404, "Not Found", [("X-Error-Code", "RevisionNotFound")], []);
            return;
        }

        var siblings = _repo.Files
            .Select(f => (object)new Dictionary<string, object>
            {
                ["rfilename"] = f.Key,
                ["size"] = f.Value.Length,
                ["lfs"] = new Dictionary<string, object> { ["sha256"] = FakeRepo.Sha256(f.Value), ["size"] = f.Value.Length },
            })
            .Concat(_repo.ExtraSiblings.Select(name => (object)new Dictionary<string, object> { ["rfilename"] = name }))
            .ToList();
        var json = JsonSerializer.SerializeToUtf8Bytes(new Dictionary<string, object>
        {
            ["id"] = _repo.RepoId,
            ["sha"] = FakeRepo.Sha,
            ["siblings"] = siblings,
        });
        await WriteAsync(stream, 200, "OK", [("Content-Type", "application/json")], json);
    }

    private async Task ResolveAsync(NetworkStream stream, string file, string? range)
    {
        if (!_repo.Files.TryGetValue(file, out var content))
        {
            await WriteAsync(stream, 404, "Not Found", [("X-Error-Code", "EntryNotFound")], []);
            return;
        }

        var from = 0;
        if (range is not null && !IgnoreRange && range.StartsWith("bytes=", StringComparison.Ordinal) && range.EndsWith('-'))
        {
            from = int.Parse(range["bytes=".Length..^1], System.Globalization.CultureInfo.InvariantCulture);
        }

        int? cut = file == DropFile && Interlocked.Exchange(ref _dropsLeft, 0) == 1 ? DropAfterBytes : null;
        if (from > 0)
        {
            await WriteAsync(stream, 206, "Partial Content",
                [("Content-Range", $"bytes {from}-{content.Length - 1}/{content.Length}")], content[from..], cut);
        }
        else
        {
            await WriteAsync(stream, 200, "OK", [("Content-Type", "application/octet-stream")], content, cut);
        }
    }

    private static async Task<(string Method, string Target, Dictionary<string, string> Headers)> ReadRequestAsync(NetworkStream stream)
    {
        var bytes = new List<byte>();
        var one = new byte[1];
        while (bytes.Count < 4 || bytes[^4] != '\r' || bytes[^3] != '\n' || bytes[^2] != '\r' || bytes[^1] != '\n')
        {
            if (await stream.ReadAsync(one) == 0)
            {
                throw new IOException("the client closed the connection before sending a request");
            }

            bytes.Add(one[0]);
        }

        var lines = Encoding.ASCII.GetString([.. bytes]).Split("\r\n", StringSplitOptions.RemoveEmptyEntries);
        var requestLine = lines[0].Split(' ');
        var headers = lines.Skip(1)
            .Select(l => l.Split(':', 2))
            .ToDictionary(p => p[0].Trim().ToLowerInvariant(), p => p[1].Trim());
        return (requestLine[0], requestLine[1], headers);
    }

    /// <summary>Writes a response with Connection: close; with <paramref name="cutAfter"/>, announces the full length but sends only that many body bytes.</summary>
    private static async Task WriteAsync(NetworkStream stream, int status, string reason,
        (string Name, string Value)[] headers, byte[] body, int? cutAfter = null)
    {
        var head = new StringBuilder()
            .Append(System.Globalization.CultureInfo.InvariantCulture, $"HTTP/1.1 {status} {reason}\r\n")
            .Append(System.Globalization.CultureInfo.InvariantCulture, $"Content-Length: {body.Length}\r\n")
            .Append("Connection: close\r\n");
        foreach (var (name, value) in headers)
        {
            head.Append(System.Globalization.CultureInfo.InvariantCulture, $"{name}: {value}\r\n");
        }

        await stream.WriteAsync(Encoding.ASCII.GetBytes(head.Append("\r\n").ToString()));
        await stream.WriteAsync(body.AsMemory(0, Math.Min(body.Length, cutAfter ?? body.Length)));
        await stream.FlushAsync();
        stream.Socket.Shutdown(SocketShutdown.Send);
    }
}
