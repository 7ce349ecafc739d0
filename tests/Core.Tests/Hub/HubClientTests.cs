using System.Text.Json;
using FineTuneMesh.Core.Hub;

namespace FineTuneMesh.Core.Tests.Hub;

public class HubClientTests
{
    private static HubClient Client(FakeHubServer server, TempFolder cache, string token = "", HttpClient? http = null) =>
        new(http ?? HubClient.CreateHttpClient(TimeSpan.FromSeconds(20)), server.Endpoint, token, cache.Path) { Offline = false };

    private static HubClient Client(Uri endpoint, TempFolder cache, HttpClient? http = null) =>
        new(http ?? HubClient.CreateHttpClient(TimeSpan.FromSeconds(20)), endpoint, "", cache.Path) { Offline = false };

    [Fact]
    public async Task PullDownloadsTheModelFilesIntoASnapshotFolder()
    {
        using var cache = new TempFolder();
        var repo = FakeRepo.Create();
        using var server = new FakeHubServer(repo);
        var progress = new List<HubProgress>();

        var pulled = await Client(server, cache).PullAsync(repo.RepoId, progress: new SyncProgress<HubProgress>(progress));

        Assert.False(pulled.FromCache);
        Assert.Equal(FakeRepo.Sha, pulled.Sha);
        Assert.Equal(Path.Combine(cache.Path, "tiny-org--tiny-model", "snapshots", FakeRepo.Sha), pulled.Folder);
        foreach (var file in FakeRepo.ModelFiles)
        {
            Assert.Equal(repo.Files[file], File.ReadAllBytes(Path.Combine(pulled.Folder, file)));
        }

        var onDisk = Directory.EnumerateFileSystemEntries(pulled.Folder).Select(Path.GetFileName).Order().ToArray();
        Assert.Equal(FakeRepo.ModelFiles.Append("pull.json").Order().ToArray(), onDisk);
        Assert.Empty(server.Downloads("pytorch_model.bin"));
        Assert.Empty(server.Downloads("onnx/decoder.json"));
        Assert.All(server.Requests, r => Assert.Null(r.Authorization));
        Assert.Equal(repo.Files["model.safetensors"].Length, progress.Last(p => p.File == "model.safetensors").BytesDone);
    }

    [Fact]
    public async Task PullRecordsTheRefAndPullJson()
    {
        using var cache = new TempFolder();
        var repo = FakeRepo.Create();
        using var server = new FakeHubServer(repo);
        var client = Client(server, cache);

        var pulled = await client.PullAsync(repo.RepoId, "main");

        var repoFolder = Path.Combine(cache.Path, "tiny-org--tiny-model");
        Assert.Equal(FakeRepo.Sha, File.ReadAllText(Path.Combine(repoFolder, "refs", "main")));
        var manifest = JsonSerializer.Deserialize<PullManifest>(File.ReadAllText(Path.Combine(pulled.Folder, "pull.json")))!;
        Assert.Equal(repo.RepoId, manifest.Repo);
        Assert.Equal("main", manifest.Revision);
        Assert.Equal(FakeRepo.Sha, manifest.Sha);
        Assert.Equal(FakeRepo.ModelFiles.Order(), manifest.Files.Select(f => f.Name).Order());
        Assert.All(manifest.Files, f => Assert.Equal(repo.Files[f.Name].Length, f.Size));
        Assert.All(manifest.Files, f => Assert.Equal(FakeRepo.Sha256(repo.Files[f.Name]), f.Sha256));
        Assert.True(manifest.PulledAt > DateTimeOffset.UtcNow.AddMinutes(-5));
        Assert.Equal(pulled.Folder, client.TryResolveCached(repo.RepoId, "main"));
        Assert.Equal(pulled.Folder, client.TryResolveCached(repo.RepoId, FakeRepo.Sha));
        Assert.Null(client.TryResolveCached(repo.RepoId, "v2"));
    }

    [Fact]
    public async Task ASecondPullOfACompleteSnapshotDownloadsNothing()
    {
        using var cache = new TempFolder();
        var repo = FakeRepo.Create();
        using var server = new FakeHubServer(repo);
        await Client(server, cache).PullAsync(repo.RepoId);
        var downloadsBefore = server.Requests.Count(r => r.Path.Contains("/resolve/"));

        var again = await Client(server, cache).PullAsync(repo.RepoId);

        Assert.False(again.FromCache);
        Assert.Contains("up to date", again.Message);
        Assert.Equal(downloadsBefore, server.Requests.Count(r => r.Path.Contains("/resolve/")));
    }

    [Fact]
    public async Task AnInterruptedDownloadResumesWithARangeRequest()
    {
        using var cache = new TempFolder();
        var repo = FakeRepo.Create();
        using var server = new FakeHubServer(repo) { DropAfterBytes = 100_000 };

        var first = await Assert.ThrowsAsync<HubException>(() => Client(server, cache).PullAsync(repo.RepoId));
        Assert.Equal(HubErrorKind.Interrupted, first.Kind);
        var snapshot = Path.Combine(cache.Path, "tiny-org--tiny-model", "snapshots", FakeRepo.Sha);
        Assert.Equal(100_000, new FileInfo(Path.Combine(snapshot, "model.safetensors.incomplete")).Length);
        Assert.False(File.Exists(Path.Combine(snapshot, "model.safetensors")));
        Assert.Null(Client(server, cache).TryResolveCached(repo.RepoId, "main"));

        var pulled = await Client(server, cache).PullAsync(repo.RepoId);

        var downloads = server.Downloads("model.safetensors").ToList();
        Assert.Equal(2, downloads.Count);
        Assert.Null(downloads[0].Range);
        Assert.Equal("bytes=100000-", downloads[1].Range);
        var weights = Path.Combine(pulled.Folder, "model.safetensors");
        Assert.Equal(FakeRepo.Sha256(repo.Files["model.safetensors"]), FakeRepo.Sha256(File.ReadAllBytes(weights)));
        Assert.False(File.Exists(weights + ".incomplete"));
        Assert.Single(server.Downloads("config.json"));
    }

    [Fact]
    public async Task AServerThatIgnoresTheRangeGetsTheWholeFileAgain()
    {
        using var cache = new TempFolder();
        var repo = FakeRepo.Create();
        using var server = new FakeHubServer(repo) { DropAfterBytes = 50_000 };
        await Assert.ThrowsAsync<HubException>(() => Client(server, cache).PullAsync(repo.RepoId));
        server.IgnoreRange = true;

        var pulled = await Client(server, cache).PullAsync(repo.RepoId);

        Assert.Equal("bytes=50000-", server.Downloads("model.safetensors").Last().Range);
        Assert.Equal(repo.Files["model.safetensors"], File.ReadAllBytes(Path.Combine(pulled.Folder, "model.safetensors")));
    }

    [Fact]
    public async Task TheTokenIsSentAsABearerHeader()
    {
        using var cache = new TempFolder();
        var repo = FakeRepo.Create(weightBytes: 1000);
        using var server = new FakeHubServer(repo) { RequiredToken = "hf_secret" };

        var pulled = await Client(server, cache, token: "hf_secret").PullAsync(repo.RepoId);

        Assert.False(pulled.FromCache);
        Assert.NotEmpty(server.Requests);
        Assert.All(server.Requests, r => Assert.Equal("Bearer hf_secret", r.Authorization));
    }

    [Fact]
    public async Task RedirectsAreFollowedAndTheTokenStaysOnTheHubsOrigin()
    {
        using var cache = new TempFolder();
        var repo = FakeRepo.Create(weightBytes: 1000);
        using var cdn = new FakeHubServer(repo);
        using var hub = new FakeHubServer(repo) { RequiredToken = "hf_secret", RedirectDownloadsTo = cdn.Endpoint };

        var pulled = await Client(hub, cache, token: "hf_secret").PullAsync(repo.RepoId);

        Assert.Equal(repo.Files["model.safetensors"], File.ReadAllBytes(Path.Combine(pulled.Folder, "model.safetensors")));
        Assert.All(hub.Requests, r => Assert.Equal("Bearer hf_secret", r.Authorization));
        Assert.Equal(FakeRepo.ModelFiles.Length, cdn.Requests.Count);
        Assert.All(cdn.Requests, r => Assert.Null(r.Authorization));
    }

    [Fact]
    public async Task OfflineModeUsesOnlyTheCache()
    {
        using var cache = new TempFolder();
        var repo = FakeRepo.Create(weightBytes: 1000);
        using var server = new FakeHubServer(repo);
        using var http = HubClient.CreateHttpClient();
        var offline = new HubClient(http, server.Endpoint, "", cache.Path) { Offline = true };
        var missing = await Assert.ThrowsAsync<HubException>(() => offline.PullAsync(repo.RepoId));
        Assert.Contains("HF_HUB_OFFLINE", missing.Message);
        Assert.Empty(server.Requests);

        await Client(server, cache).PullAsync(repo.RepoId);
        var requests = server.Requests.Count;
        var cached = await offline.PullAsync(repo.RepoId);

        Assert.True(cached.FromCache);
        Assert.Equal(requests, server.Requests.Count);
    }

    [Fact]
    public async Task A401SaysTheRepoIsGatedOrPrivateAndNamesHfToken()
    {
        using var cache = new TempFolder();
        var repo = FakeRepo.Create(weightBytes: 1000);
        using var server = new FakeHubServer(repo) { RequiredToken = "hf_secret" };

        var error = await Assert.ThrowsAsync<HubException>(() => Client(server, cache).PullAsync(repo.RepoId));

        Assert.Equal(HubErrorKind.Unauthorized, error.Kind);
        Assert.Contains("HF_TOKEN", error.Message);
        Assert.Contains("gated or private", error.Message);
        Assert.Null(Client(server, cache).TryResolveCached(repo.RepoId, "main"));
    }

    [Theory]
    [InlineData("tiny-org/other-model", "main", "repo tiny-org/other-model or revision 'main' not found")]
    [InlineData("tiny-org/tiny-model", "v9", "revision 'v9' not found in tiny-org/tiny-model")]
    public async Task A404SaysTheRepoOrRevisionWasNotFound(string repoId, string revision, string expected)
    {
        using var cache = new TempFolder();
        using var server = new FakeHubServer(FakeRepo.Create(weightBytes: 1000));

        var error = await Assert.ThrowsAsync<HubException>(() => Client(server, cache).PullAsync(repoId, revision));

        Assert.Equal(HubErrorKind.NotFound, error.Kind);
        Assert.Contains(expected, error.Message);
    }

    [Theory]
    [InlineData("../evil.json")]
    [InlineData("../../outside.safetensors")]
    [InlineData("/etc/passwd.json")]
    [InlineData("nested/../../escape.json")]
    [InlineData("..\\windows.json")]
    [InlineData("C:/drive.json")]
    [InlineData("")]
    public async Task UnsafeFileNamesFromTheServerAreRefused(string hostile)
    {
        using var cache = new TempFolder();
        var repo = FakeRepo.Create(weightBytes: 1000);
        repo.ExtraSiblings.Add(hostile);
        using var server = new FakeHubServer(repo);

        var error = await Assert.ThrowsAsync<HubException>(() => Client(server, cache).PullAsync(repo.RepoId));

        Assert.Equal(HubErrorKind.InvalidName, error.Kind);
        Assert.Contains("unsafe file name", error.Message);
        Assert.DoesNotContain(server.Requests, r => r.Path.Contains("/resolve/"));
        Assert.Empty(Directory.EnumerateFileSystemEntries(cache.Path));
    }

    [Theory]
    [InlineData("../etc")]
    [InlineData("/abs/path")]
    [InlineData("owner/../name")]
    [InlineData("a/b/c")]
    [InlineData("noslash")]
    [InlineData("owner/na me")]
    [InlineData("owner--x/name")]
    public async Task InvalidRepoIdsAreRefusedBeforeAnyRequest(string repoId)
    {
        using var cache = new TempFolder();
        using var server = new FakeHubServer(FakeRepo.Create(weightBytes: 1000));

        var error = await Assert.ThrowsAsync<HubException>(() => Client(server, cache).PullAsync(repoId));

        Assert.Equal(HubErrorKind.InvalidName, error.Kind);
        Assert.Contains("invalid repo id", error.Message);
        Assert.Empty(server.Requests);
    }

    [Theory]
    [InlineData("../main")]
    [InlineData("refs/../../x")]
    [InlineData("/main")]
    [InlineData("a b")]
    public async Task InvalidRevisionsAreRefused(string revision)
    {
        using var cache = new TempFolder();
        using var server = new FakeHubServer(FakeRepo.Create(weightBytes: 1000));

        var error = await Assert.ThrowsAsync<HubException>(() => Client(server, cache).PullAsync("tiny-org/tiny-model", revision));

        Assert.Equal(HubErrorKind.InvalidName, error.Kind);
        Assert.Empty(server.Requests);
    }

    [Fact]
    public async Task OfflineWithACachedSnapshotReturnsItFromCache()
    {
        using var cache = new TempFolder();
        var repo = FakeRepo.Create(weightBytes: 1000);
        var server = new FakeHubServer(repo);
        var online = await Client(server, cache).PullAsync(repo.RepoId);
        var endpoint = server.Endpoint;
        server.Dispose();

        var offline = await Client(endpoint, cache).PullAsync(repo.RepoId);

        Assert.True(offline.FromCache);
        Assert.Equal(online.Folder, offline.Folder);
        Assert.Equal(FakeRepo.Sha, offline.Sha);
        Assert.Contains("cannot reach", offline.Message);
        Assert.Contains("cached snapshot", offline.Message);
    }

    [Fact]
    public async Task AServerThatNeverAnswersCountsAsOffline()
    {
        using var cache = new TempFolder();
        var repo = FakeRepo.Create(weightBytes: 1000);
        using var server = new FakeHubServer(repo);
        await Client(server, cache).PullAsync(repo.RepoId);
        server.HangOnRevision = true;

        var offline = await Client(server, cache, http: HubClient.CreateHttpClient(TimeSpan.FromMilliseconds(500))).PullAsync(repo.RepoId);

        Assert.True(offline.FromCache);
        Assert.Contains("timed out", offline.Message);
    }

    [Fact]
    public async Task OfflineWithoutACacheThrowsAClearError()
    {
        using var cache = new TempFolder();
        var server = new FakeHubServer(FakeRepo.Create(weightBytes: 1000));
        var endpoint = server.Endpoint;
        server.Dispose();

        var error = await Assert.ThrowsAsync<HubException>(() => Client(endpoint, cache).PullAsync("tiny-org/tiny-model", "main"));

        Assert.Equal(HubErrorKind.Unreachable, error.Kind);
        Assert.Contains($"cannot reach {endpoint}", error.Message);
        Assert.Contains($"no cached copy of tiny-org/tiny-model@main in {cache.Path}", error.Message);
    }

    [Fact]
    public async Task CancellationIsNotMistakenForBeingOffline()
    {
        using var cache = new TempFolder();
        var repo = FakeRepo.Create(weightBytes: 1000);
        using var server = new FakeHubServer(repo) { HangOnRevision = true };
        using var cancel = new CancellationTokenSource(TimeSpan.FromMilliseconds(300));

        await Assert.ThrowsAnyAsync<OperationCanceledException>(() => Client(server, cache).PullAsync(repo.RepoId, ct: cancel.Token));
    }

    [Fact]
    public void TheEndpointTokenAndCacheDefaultToTheEnvironment()
    {
        using var http = new HttpClient();
        var client = new HubClient(http);

        var endpoint = Environment.GetEnvironmentVariable("HF_ENDPOINT");
        Assert.Equal(new Uri(string.IsNullOrWhiteSpace(endpoint) ? HubClient.DefaultEndpoint : endpoint.Trim()), client.Endpoint);
        Assert.Equal(!string.IsNullOrWhiteSpace(Environment.GetEnvironmentVariable("HF_TOKEN")), client.HasToken);
        Assert.Equal(Path.GetFullPath(HubClient.DefaultCacheRoot()), client.CacheRoot);
        Assert.False(new HubClient(http, token: "").HasToken);
    }
}
