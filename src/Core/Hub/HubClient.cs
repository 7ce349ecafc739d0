using System.Net;
using System.Net.Http.Headers;
using System.Security.Cryptography;
using System.Text.Json;

namespace FineTuneMesh.Core.Hub;

/// <summary>
/// Downloads model folders from the Hugging Face Hub (or a server speaking its HTTP API) into a
/// local cache: resolve the revision to a commit, fetch the files a model folder needs into
/// snapshots/{sha}/, resume partial files with Range requests, and fall back to the cache when the
/// server cannot be reached.
/// </summary>
/// <remarks>
/// Give it an <see cref="HttpClient"/> that does not follow redirects (see <see cref="CreateHttpClient"/>):
/// the client then follows them itself and re-sends the token only to the endpoint's own origin, which
/// private repos need and CDN hosts must not see. With an auto-redirecting client it still works for
/// public repos.
/// </remarks>
public sealed class HubClient
{
    public const string DefaultEndpoint = "https://huggingface.co";
    private const int MaxRedirects = 10;
    private const int BufferSize = 1 << 16;
    private const long ProgressStep = 1 << 20;

    private readonly HttpClient _http;
    private readonly string? _token;
    private readonly HubCache _cache;
    private readonly string _base;

    /// <param name="http">The client used for every request.</param>
    /// <param name="endpoint">The Hub; null reads HF_ENDPOINT, then uses https://huggingface.co.</param>
    /// <param name="token">An access token; null reads HF_TOKEN; an empty string means no token.</param>
    /// <param name="cacheRoot">The cache folder; null reads FINETUNE_MODEL_CACHE, then uses ~/.cache/finetunemesh/models.</param>
    public HubClient(HttpClient http, Uri? endpoint = null, string? token = null, string? cacheRoot = null)
    {
        ArgumentNullException.ThrowIfNull(http);
        _http = http;
        Endpoint = endpoint ?? DefaultEndpointFromEnvironment();
        if (!Endpoint.IsAbsoluteUri || (Endpoint.Scheme != Uri.UriSchemeHttps && Endpoint.Scheme != Uri.UriSchemeHttp))
        {
            throw new ArgumentException($"the Hub endpoint must be an absolute http(s) URI, not '{Endpoint}'.", nameof(endpoint));
        }

        _base = Endpoint.AbsoluteUri.TrimEnd('/');
        var chosen = token ?? Environment.GetEnvironmentVariable("HF_TOKEN");
        _token = string.IsNullOrWhiteSpace(chosen) ? null : chosen.Trim();
        CacheRoot = Path.GetFullPath(cacheRoot ?? DefaultCacheRoot());
        _cache = new HubCache(CacheRoot);
    }

    public Uri Endpoint { get; }

    public string CacheRoot { get; }

    public bool HasToken => _token is not null;

    /// <summary>Never contact the server, only use the cache; defaults to HF_HUB_OFFLINE=1 (or "true").</summary>
    public bool Offline { get; init; } = Environment.GetEnvironmentVariable("HF_HUB_OFFLINE")?.Trim().ToLowerInvariant() is "1" or "true" or "yes" or "on";

    /// <summary>How long a download may go without receiving a byte before it counts as interrupted.</summary>
    public TimeSpan StallTimeout { get; init; } = TimeSpan.FromMinutes(2);

    public static Uri DefaultEndpointFromEnvironment()
    {
        var fromEnvironment = Environment.GetEnvironmentVariable("HF_ENDPOINT");
        return new Uri(string.IsNullOrWhiteSpace(fromEnvironment) ? DefaultEndpoint : fromEnvironment.Trim());
    }

    public static string DefaultCacheRoot()
    {
        var fromEnvironment = Environment.GetEnvironmentVariable("FINETUNE_MODEL_CACHE");
        return string.IsNullOrWhiteSpace(fromEnvironment)
            ? Path.Combine(Environment.GetFolderPath(Environment.SpecialFolder.UserProfile), ".cache", "finetunemesh", "models")
            : fromEnvironment.Trim();
    }

    /// <summary>An HttpClient suited to this class: redirects left to it, a bounded wait for response headers.</summary>
    public static HttpClient CreateHttpClient(TimeSpan? timeout = null) =>
        new(new SocketsHttpHandler { AllowAutoRedirect = false, ConnectTimeout = TimeSpan.FromSeconds(15) })
        {
            Timeout = timeout ?? TimeSpan.FromSeconds(60),
        };

    /// <summary>
    /// Makes {cache}/{owner}--{name}/snapshots/{sha}/ hold the model files of <paramref name="repoId"/> at
    /// <paramref name="revision"/> and returns that folder. Files already complete are not fetched again.
    /// </summary>
    public async Task<PulledModel> PullAsync(string repoId, string revision = ModelReference.DefaultRevision,
        IProgress<HubProgress>? progress = null, CancellationToken ct = default)
    {
        var (owner, name) = HubNames.ValidateRepoId(repoId);
        HubNames.ValidateRevision(revision);

        if (Offline)
        {
            return FindCached(owner, name, revision) is { } offline
                ? new PulledModel(offline.Folder, repoId, revision, offline.Sha, FromCache: true,
                    $"offline mode (HF_HUB_OFFLINE): using the cached snapshot {offline.Sha[..12]} of {repoId}@{revision} in {offline.Folder}.")
                : throw new HubException(HubErrorKind.Unreachable,
                    $"offline mode (HF_HUB_OFFLINE) and no cached copy of {repoId}@{revision} in {CacheRoot}; unset HF_HUB_OFFLINE and pull it once while online.");
        }

        RevisionInfo info;
        try
        {
            info = await GetRevisionAsync(owner, name, revision, ct).ConfigureAwait(false);
        }
        catch (Exception e) when (IsUnreachable(e, ct))
        {
            if (FindCached(owner, name, revision) is { } cached)
            {
                return new PulledModel(cached.Folder, repoId, revision, cached.Sha, FromCache: true,
                    $"cannot reach {Endpoint} ({Reason(e)}); using the cached snapshot {cached.Sha[..12]} of {repoId}@{revision} in {cached.Folder}.");
            }

            throw new HubException(HubErrorKind.Unreachable,
                $"cannot reach {Endpoint} and no cached copy of {repoId}@{revision} in {CacheRoot}; "
                + "check the network (or HF_ENDPOINT for a mirror), pull it once while online, or pass a local model folder instead. "
                + $"Cause: {Reason(e)}", e);
        }

        var sha = HubNames.ValidateCommitSha(info.Sha, repoId, revision);
        var siblings = info.Siblings ?? throw new HubException(HubErrorKind.Protocol,
            $"the Hub's answer for {repoId}@{revision} lists no files (no \"siblings\").");
        foreach (var sibling in siblings)
        {
            HubNames.ValidateRepoFileName(sibling.FileName, repoId);
        }

        var wanted = siblings.Where(s => ModelFileFilter.IsWanted(s.FileName!)).ToList();
        if (wanted.Count == 0)
        {
            throw new HubException(HubErrorKind.Protocol,
                $"{repoId}@{revision} has no top-level safetensors, config or tokenizer files; it may hold only other weight formats.");
        }

        var folder = _cache.SnapshotFolder(owner, name, sha);
        if (HubCache.ReadCompleteManifest(folder) is { } existing && SameFiles(existing, wanted))
        {
            _cache.WriteRef(owner, name, revision, sha);
            return new PulledModel(folder, repoId, revision, sha, FromCache: false,
                $"{repoId}@{revision} ({sha[..12]}) is up to date in {folder}.");
        }

        Directory.CreateDirectory(folder);
        var files = new List<PulledFile>(wanted.Count);
        foreach (var sibling in wanted)
        {
            files.Add(await DownloadFileAsync(owner, name, sha, sibling, folder, progress, ct).ConfigureAwait(false));
        }

        var total = files.Sum(f => f.Size);
        HubCache.WriteManifest(folder, new PullManifest(repoId, revision, sha, _base, files, total, DateTimeOffset.UtcNow));
        _cache.WriteRef(owner, name, revision, sha);
        return new PulledModel(folder, repoId, revision, sha, FromCache: false,
            $"pulled {files.Count} files ({total:N0} bytes) of {repoId}@{revision} ({sha[..12]}) into {folder}.");
    }

    /// <summary>The complete cached snapshot folder for <paramref name="repoId"/>@<paramref name="revision"/>, or null.</summary>
    public string? TryResolveCached(string repoId, string revision = ModelReference.DefaultRevision)
    {
        var (owner, name) = HubNames.ValidateRepoId(repoId);
        HubNames.ValidateRevision(revision);
        return FindCached(owner, name, revision)?.Folder;
    }

    private (string Folder, string Sha)? FindCached(string owner, string name, string revision)
    {
        var sha = _cache.ReadRef(owner, name, revision)
            ?? (HubNames.IsCommitSha(revision) ? revision.ToLowerInvariant() : null);
        if (sha is null)
        {
            return null;
        }

        var folder = _cache.SnapshotFolder(owner, name, sha);
        return HubCache.ReadCompleteManifest(folder) is null ? null : (folder, sha);
    }

    private static bool SameFiles(PullManifest manifest, List<RepoSibling> wanted) =>
        wanted.All(s => manifest.Files.Any(f => f.Name == s.FileName));

    private async Task<RevisionInfo> GetRevisionAsync(string owner, string name, string revision, CancellationToken ct)
    {
        var uri = new Uri($"{_base}/api/models/{owner}/{name}/revision/{Uri.EscapeDataString(revision)}?blobs=true");
        using var response = await SendAsync(uri, rangeFrom: null, ct).ConfigureAwait(false);
        EnsureSuccess(response, $"{owner}/{name}", revision, file: null);
        try
        {
            var stream = await response.Content.ReadAsStreamAsync(ct).ConfigureAwait(false);
            await using (stream.ConfigureAwait(false))
            {
                return await JsonSerializer.DeserializeAsync<RevisionInfo>(stream, cancellationToken: ct).ConfigureAwait(false)
                    ?? throw new JsonException("the answer is null");
            }
        }
        catch (JsonException e)
        {
            throw new HubException(HubErrorKind.Protocol,
                $"{uri} did not return the expected JSON with \"sha\" and \"siblings\": {e.Message}", e);
        }
    }

    private async Task<PulledFile> DownloadFileAsync(string owner, string name, string sha, RepoSibling sibling,
        string folder, IProgress<HubProgress>? progress, CancellationToken ct)
    {
        var repoId = $"{owner}/{name}";
        var fileName = sibling.FileName!;
        var target = HubCache.SafeCombine(folder, fileName);
        var expectedSize = sibling.Lfs?.Size ?? sibling.Size;
        var expectedHash = sibling.Lfs?.Sha256?.ToLowerInvariant();
        if (File.Exists(target) && (expectedSize is null || new FileInfo(target).Length == expectedSize))
        {
            var length = new FileInfo(target).Length;
            progress?.Report(new HubProgress(fileName, length, length));
            return new PulledFile(fileName, length, expectedHash);
        }

        var partial = target + ".incomplete";
        var escaped = string.Join('/', fileName.Split('/').Select(Uri.EscapeDataString));
        var uri = new Uri($"{_base}/{owner}/{name}/resolve/{sha}/{escaped}");
        for (var attempt = 0; attempt < 2; attempt++)
        {
            var offset = File.Exists(partial) ? new FileInfo(partial).Length : 0;
            if (expectedSize is long size && offset > size)
            {
                File.Delete(partial);
                offset = 0;
            }

            using var response = await SendAsync(uri, offset > 0 ? offset : null, ct).ConfigureAwait(false);
            if (response.StatusCode == HttpStatusCode.RequestedRangeNotSatisfiable && offset > 0)
            {
                File.Delete(partial);
                continue;
            }

            EnsureSuccess(response, repoId, sha, fileName);
            long? total;
            if (response.StatusCode == HttpStatusCode.PartialContent)
            {
                var range = response.Content.Headers.ContentRange;
                if (offset == 0 || range?.From != offset)
                {
                    File.Delete(partial);
                    continue;
                }

                total = range.Length ?? offset + response.Content.Headers.ContentLength;
            }
            else
            {
                // A 200 to a Range request carries the whole file: start over.
                offset = 0;
                total = response.Content.Headers.ContentLength;
            }

            var hash = await ReceiveAsync(response, partial, offset, total, fileName, repoId, progress, ct).ConfigureAwait(false);
            var received = new FileInfo(partial).Length;
            if (expectedSize is long want && received != want)
            {
                File.Delete(partial);
                throw new HubException(HubErrorKind.Protocol,
                    $"{fileName} of {repoId}@{sha} has {received} bytes but the Hub lists {want}; the partial file was discarded.");
            }

            if (expectedHash is not null && hash != expectedHash)
            {
                File.Delete(partial);
                throw new HubException(HubErrorKind.Protocol,
                    $"{fileName} of {repoId}@{sha} has sha256 {hash} but the Hub lists {expectedHash}; the download was discarded.");
            }

            File.Move(partial, target, overwrite: true);
            return new PulledFile(fileName, received, hash);
        }

        throw new HubException(HubErrorKind.Protocol,
            $"{uri} kept answering the resume request for {fileName} with an unusable range.");
    }

    /// <summary>Writes the body to <paramref name="partial"/> (appending after <paramref name="offset"/> bytes) and returns the whole file's sha256.</summary>
    private async Task<string> ReceiveAsync(HttpResponseMessage response, string partial, long offset, long? total,
        string fileName, string repoId, IProgress<HubProgress>? progress, CancellationToken ct)
    {
        using var hasher = IncrementalHash.CreateHash(HashAlgorithmName.SHA256);
        var buffer = new byte[BufferSize];
        var done = offset;
        var stream = new FileStream(partial, offset > 0 ? FileMode.Open : FileMode.Create, FileAccess.ReadWrite,
            FileShare.None, BufferSize, useAsync: true);
        await using (stream.ConfigureAwait(false))
        {
            if (offset > 0)
            {
                // The kept prefix is hashed again so that the final hash covers the whole file.
                int read;
                while ((read = await stream.ReadAsync(buffer, ct).ConfigureAwait(false)) > 0)
                {
                    hasher.AppendData(buffer, 0, read);
                }

                stream.SetLength(offset);
            }

            progress?.Report(new HubProgress(fileName, done, total));
            var reported = done;
            using var stall = CancellationTokenSource.CreateLinkedTokenSource(ct);
            try
            {
                var body = await response.Content.ReadAsStreamAsync(ct).ConfigureAwait(false);
                await using (body.ConfigureAwait(false))
                {
                    while (true)
                    {
                        stall.CancelAfter(StallTimeout);
                        var read = await body.ReadAsync(buffer, stall.Token).ConfigureAwait(false);
                        if (read == 0)
                        {
                            break;
                        }

                        await stream.WriteAsync(buffer.AsMemory(0, read), ct).ConfigureAwait(false);
                        hasher.AppendData(buffer, 0, read);
                        done += read;
                        if (done - reported >= ProgressStep)
                        {
                            progress?.Report(new HubProgress(fileName, done, total));
                            reported = done;
                        }
                    }
                }
            }
            catch (Exception e) when (!ct.IsCancellationRequested && e is IOException or HttpRequestException or OperationCanceledException)
            {
                await stream.FlushAsync(CancellationToken.None).ConfigureAwait(false);
                var cause = e is OperationCanceledException ? $"no data for {StallTimeout.TotalSeconds:0} s" : e.Message;
                throw Interrupted(fileName, repoId, done, total, partial, cause, e);
            }

            if (total is long expected && done != expected)
            {
                await stream.FlushAsync(CancellationToken.None).ConfigureAwait(false);
                throw Interrupted(fileName, repoId, done, total, partial, "the server closed the response early", null);
            }

            progress?.Report(new HubProgress(fileName, done, total ?? done));
        }

        return Convert.ToHexStringLower(hasher.GetHashAndReset());
    }

    private static HubException Interrupted(string fileName, string repoId, long done, long? total, string partial,
        string cause, Exception? inner) =>
        new(HubErrorKind.Interrupted,
            $"download of {fileName} from {repoId} stopped after {done:N0} of {(total is long t ? t.ToString("N0") : "?")} bytes ({cause}); "
            + $"the partial file {partial} is kept and the next pull resumes it.", inner);

    private async Task<HttpResponseMessage> SendAsync(Uri uri, long? rangeFrom, CancellationToken ct)
    {
        for (var redirects = 0; ; redirects++)
        {
            using var request = new HttpRequestMessage(HttpMethod.Get, uri);
            if (_token is not null && IsSameOrigin(uri, Endpoint))
            {
                request.Headers.Authorization = new AuthenticationHeaderValue("Bearer", _token);
            }

            if (rangeFrom is long from)
            {
                request.Headers.Range = new RangeHeaderValue(from, null);
            }

            request.Headers.UserAgent.ParseAdd("FineTuneMesh-Hub/1.0");
            var response = await _http.SendAsync(request, HttpCompletionOption.ResponseHeadersRead, ct).ConfigureAwait(false);
            var status = (int)response.StatusCode;
            if (status is 301 or 302 or 303 or 307 or 308 && response.Headers.Location is { } location && redirects < MaxRedirects)
            {
                uri = location.IsAbsoluteUri ? location : new Uri(uri, location);
                response.Dispose();
                continue;
            }

            return response;
        }
    }

    private void EnsureSuccess(HttpResponseMessage response, string repoId, string revision, string? file)
    {
        if (response.IsSuccessStatusCode)
        {
            return;
        }

        var code = (int)response.StatusCode;
        var errorCode = Header(response, "X-Error-Code");
        var serverMessage = Header(response, "X-Error-Message");
        var detail = serverMessage is null ? "" : $" The server says: {serverMessage}";
        var what = file is null ? $"{repoId}@{revision}" : $"{file} of {repoId}@{revision}";
        switch (code)
        {
            case 404:
            case 401 when errorCode is "RepoNotFound":
                var missing = errorCode switch
                {
                    "RevisionNotFound" => $"revision '{revision}' not found in {repoId}",
                    "EntryNotFound" => $"{what} not found",
                    _ => file is null
                        ? $"repo {repoId} or revision '{revision}' not found"
                        : $"{what} not found",
                };
                var hint = _token is null ? " If the repo is private, set HF_TOKEN." : "";
                throw new HubException(HubErrorKind.NotFound, $"{missing} on {Endpoint} (HTTP {code}).{hint}{detail}");
            case 401:
            case 403:
                var advice = _token is null
                    ? "set HF_TOKEN to a Hugging Face access token with read access"
                    : "the token in HF_TOKEN has no access to it: accept the model's terms on its Hub page or use a token with read access";
                throw new HubException(HubErrorKind.Unauthorized,
                    $"{Endpoint} refused access to {what} (HTTP {code}): the repo is gated or private; {advice}.{detail}");
            case >= 500:
                throw new HubException(HubErrorKind.Unreachable, $"{Endpoint} failed with HTTP {code} for {what}.{detail}");
            default:
                throw new HubException(HubErrorKind.Protocol, $"{Endpoint} answered HTTP {code} for {what}.{detail}");
        }
    }

    private static string? Header(HttpResponseMessage response, string name) =>
        response.Headers.TryGetValues(name, out var values) ? values.FirstOrDefault() : null;

    private static bool IsSameOrigin(Uri a, Uri b) =>
        string.Equals(a.Scheme, b.Scheme, StringComparison.OrdinalIgnoreCase)
        && string.Equals(a.Host, b.Host, StringComparison.OrdinalIgnoreCase)
        && a.Port == b.Port;

    private static bool IsUnreachable(Exception e, CancellationToken ct) => e switch
    {
        HubException hub => hub.Kind == HubErrorKind.Unreachable,
        HttpRequestException => true,
        OperationCanceledException => !ct.IsCancellationRequested,
        IOException => true,
        _ => false,
    };

    private static string Reason(Exception e) =>
        e is OperationCanceledException ? "timed out" : e.InnerException is { } inner ? $"{e.Message} {inner.Message}" : e.Message;
}
