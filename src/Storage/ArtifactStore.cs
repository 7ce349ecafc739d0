using System.Diagnostics;
using System.Net;
using System.Security.Cryptography;
using Amazon.Runtime;
using Amazon.S3;
using Amazon.S3.Model;
using FineTuneMesh.Mesh;
using FineTuneMesh.ServiceDefaults;
using Polly;
using Polly.Retry;

namespace FineTuneMesh.Storage;

/// <summary>
/// Artifacts in any S3-protocol server (MinIO, AWS, or the local s3rver). Every object carries
/// the SHA-256 of its bytes in its metadata, and downloads check it, because some servers fail
/// silently (a stored body that is not what was sent).
/// </summary>
public sealed class ArtifactStore : IDisposable
{
    public const string Sha256Metadata = "sha256";

    // Some servers are not atomic (s3rver): a read racing a write can come back garbled (a body that
    // ends early, fails the SDK's own MD5 check, carries a half-written ETag or does not match its
    // stored SHA-256), and so can a write racing another. Both are races, not corruption: each is
    // tried again after 100, 200 and 300 ms before it counts as a failure.
    private static readonly RetryStrategyOptions _raceRetry = new()
    {
        ShouldHandle = new PredicateBuilder().Handle<Exception>(e => e is not OperationCanceledException),
        MaxRetryAttempts = 3,
        BackoffType = DelayBackoffType.Linear,
        Delay = TimeSpan.FromMilliseconds(100),
    };

    private static readonly ResiliencePipeline _rewrites = new ResiliencePipelineBuilder().AddRetry(_raceRetry).Build();

    private static readonly ResiliencePipeline<StoredRead> _rereads = new ResiliencePipelineBuilder<StoredRead>()
        .AddRetry(new RetryStrategyOptions<StoredRead>
        {
            ShouldHandle = new PredicateBuilder<StoredRead>().Handle<Exception>(e => e is not OperationCanceledException).HandleResult(r => !r.Intact),
            MaxRetryAttempts = _raceRetry.MaxRetryAttempts,
            BackoffType = _raceRetry.BackoffType,
            Delay = _raceRetry.Delay,
        })
        .Build();

    private static readonly ActivitySource _activitySource = new(TelemetryNames.Storage);
    private readonly AmazonS3Client _client;
    private readonly Lock _probeLock = new();
    private Task<bool>? _conditionalWrites;

    public ArtifactStore(StorageConnection connection)
    {
        Connection = connection;
        _client = new AmazonS3Client(new BasicAWSCredentials(connection.AccessKey, connection.SecretKey), new AmazonS3Config
        {
            ServiceURL = connection.Endpoint.ToString(),
            AuthenticationRegion = connection.Region,
            ForcePathStyle = true,
            // Trailing checksums need aws-chunked bodies, which not every S3 server understands.
            RequestChecksumCalculation = RequestChecksumCalculation.WHEN_REQUIRED,
            ResponseChecksumValidation = ResponseChecksumValidation.WHEN_REQUIRED,
            MaxErrorRetry = 3,
        });
    }

    public StorageConnection Connection { get; }

    public async Task EnsureBucketsAsync(IEnumerable<string> buckets, CancellationToken cancellationToken = default)
    {
        foreach (var bucket in buckets)
        {
            try
            {
                await _client.PutBucketAsync(new PutBucketRequest { BucketName = bucket }, cancellationToken);
            }
            catch (AmazonS3Exception e) when (e.ErrorCode is "BucketAlreadyOwnedByYou" or "BucketAlreadyExists")
            {
                // Created by another service first: exactly what we wanted.
            }
        }
    }

    /// <summary>Lists the buckets: the cheapest call that proves the server answers and accepts our keys.</summary>
    public async Task PingAsync(CancellationToken cancellationToken = default) =>
        await _client.ListBucketsAsync(new ListBucketsRequest(), cancellationToken);

    public async Task<StoredObject> PutBytesAsync(string bucket, string key, ReadOnlyMemory<byte> bytes,
        string contentType = "application/octet-stream", CancellationToken cancellationToken = default)
    {
        using var activity = _activitySource.StartActivity("storage put");
        activity?.SetTag("storage.bucket", bucket);
        activity?.SetTag("storage.key", key);
        activity?.SetTag("storage.size", bytes.Length);
        var sha256 = Convert.ToHexStringLower(SHA256.HashData(bytes.Span));
        // A PUT racing another on the same key can come back garbled from a non-atomic server; the write is idempotent.
        await _rewrites.ExecuteAsync(async token =>
        {
            using var body = new MemoryStream(bytes.ToArray(), writable: false);
            var request = new PutObjectRequest
            {
                BucketName = bucket,
                Key = key,
                InputStream = body,
                ContentType = contentType,
                UseChunkEncoding = false,
            };
            request.Metadata[Sha256Metadata] = sha256;
            await _client.PutObjectAsync(request, token);
        }, cancellationToken);

        return new StoredObject(bucket, key, bytes.Length, sha256);
    }

    /// <summary>
    /// Whether the server honours <c>If-None-Match: *</c> on PUT (MinIO and AWS S3 do; s3rver ignores
    /// it and overwrites): probed once, by writing one object twice.
    /// </summary>
    public Task<bool> SupportsConditionalWritesAsync()
    {
        lock (_probeLock)
        {
            // A probe that failed (the server was down) is not an answer: the next caller probes again.
            if (_conditionalWrites is null || _conditionalWrites.IsFaulted || _conditionalWrites.IsCanceled)
            {
                _conditionalWrites = ProbeConditionalWritesAsync(MeshBuckets.Jobs);
            }

            return _conditionalWrites;
        }
    }

    /// <summary>
    /// Creates the object only when no other writer holds <paramref name="key"/>: true for exactly one
    /// of any number of concurrent callers, false for the rest (and for a key already taken).
    /// Where the server has conditional writes this is one <c>PUT</c> with <c>If-None-Match: *</c>.
    /// Where it does not (s3rver), each caller writes a claim of its own beside the key, waits
    /// <see cref="ClaimSettleTime"/>, and lists the claims: the earliest (by the server's own
    /// timestamp, then by key) holds the key. Every claim the earliest could lose to was written
    /// before the settle ended and so is in every later listing, and any claim written after a
    /// listing is later than the settle; so all callers agree on one holder.
    /// </summary>
    public async Task<bool> TryCreateAsync(string bucket, string key, ReadOnlyMemory<byte> bytes, CancellationToken cancellationToken = default)
    {
        using var activity = _activitySource.StartActivity("storage create");
        activity?.SetTag("storage.bucket", bucket);
        activity?.SetTag("storage.key", key);
        if (await SupportsConditionalWritesAsync())
        {
            activity?.SetTag("storage.conditional", true);
            return await PutIfAbsentAsync(bucket, key, bytes, cancellationToken);
        }

        var claimPrefix = key + ".claim-";
        var claim = claimPrefix + Guid.NewGuid().ToString("N");
        await PutBytesAsync(bucket, claim, bytes, cancellationToken: cancellationToken);
        await Task.Delay(ClaimSettleTime, cancellationToken);
        var claims = await ListObjectsAsync(bucket, claimPrefix, cancellationToken);
        var holder = claims.OrderBy(o => o.LastModified).ThenBy(o => o.Key, StringComparer.Ordinal).First();
        if (holder.Key != claim)
        {
            await DeleteAsync(bucket, claim, CancellationToken.None);
            return false;
        }

        await PutBytesAsync(bucket, key, bytes, cancellationToken: cancellationToken);
        return true;
    }

    /// <summary>Longer than the coarsest timestamp a server lists (whole seconds), so that a claim written later is also stamped later.</summary>
    private static TimeSpan ClaimSettleTime => TimeSpan.FromSeconds(1.1);

    private async Task<bool> PutIfAbsentAsync(string bucket, string key, ReadOnlyMemory<byte> bytes, CancellationToken cancellationToken)
    {
        using var body = new MemoryStream(bytes.ToArray(), writable: false);
        var request = new PutObjectRequest
        {
            BucketName = bucket,
            Key = key,
            InputStream = body,
            ContentType = "application/json",
            UseChunkEncoding = false,
            IfNoneMatch = "*",
        };
        request.Metadata[Sha256Metadata] = Convert.ToHexStringLower(SHA256.HashData(bytes.Span));
        try
        {
            await _client.PutObjectAsync(request, cancellationToken);
            return true;
        }
        catch (AmazonS3Exception e) when (e.StatusCode is HttpStatusCode.PreconditionFailed or HttpStatusCode.Conflict)
        {
            // 412: the key exists. 409: another conditional write to it is in flight, and will win.
            return false;
        }
    }

    private async Task<bool> ProbeConditionalWritesAsync(string bucket)
    {
        var key = $"probes/conditional-{Guid.NewGuid():N}";
        await PutBytesAsync(bucket, key, "{}"u8.ToArray(), "application/json");
        try
        {
            return !await PutIfAbsentAsync(bucket, key, "{}"u8.ToArray(), CancellationToken.None);
        }
        finally
        {
            await DeleteAsync(bucket, key);
        }
    }

    public async Task<StoredObject> PutFileAsync(string bucket, string key, string path, CancellationToken cancellationToken = default) =>
        await PutBytesAsync(bucket, key, await File.ReadAllBytesAsync(path, cancellationToken), ContentTypeOf(path), cancellationToken);

    public Task<StoredObject> PutJsonAsync<T>(string bucket, string key, T value, CancellationToken cancellationToken = default) =>
        PutBytesAsync(bucket, key, MeshJson.Serialize(value), "application/json", cancellationToken);

    /// <summary>
    /// The object's bytes after checking them against their stored SHA-256; null when there is no
    /// such object. A mismatch is read again a few times first: a server that is not atomic (s3rver)
    /// can serve an object half-overwritten by a concurrent PUT, which is a race, not corruption.
    /// </summary>
    public async Task<byte[]?> GetBytesAsync(string bucket, string key, CancellationToken cancellationToken = default)
    {
        using var activity = _activitySource.StartActivity("storage get");
        activity?.SetTag("storage.bucket", bucket);
        activity?.SetTag("storage.key", key);
        StoredRead read;
        try
        {
            read = await _rereads.ExecuteAsync(async token => await ReadAsync(bucket, key, token), cancellationToken);
        }
        catch (Exception e) when (e is AmazonClientException or HttpIOException)
        {
            // Still garbled after every retry: two writes interleaved on a server that is not atomic.
            throw new InvalidDataException($"s3://{bucket}/{key} cannot be read back intact ({e.Message}); the object is corrupt.", e);
        }

        return read.Intact
            ? read.Bytes
            : throw new InvalidDataException(
                $"s3://{bucket}/{key}: the {read.Bytes!.Length} bytes read back do not match the SHA-256 stored with them ({read.Sha256}); the object is corrupt.");
    }

    public async Task<T?> GetJsonAsync<T>(string bucket, string key, CancellationToken cancellationToken = default)
        where T : class =>
        await GetBytesAsync(bucket, key, cancellationToken) is { } bytes ? MeshJson.Deserialize<T>(bytes) : null;

    /// <summary>Writes the object to <paramref name="path"/>; false when there is no such object.</summary>
    public async Task<bool> DownloadFileAsync(string bucket, string key, string path, CancellationToken cancellationToken = default)
    {
        if (await GetBytesAsync(bucket, key, cancellationToken) is not { } bytes)
        {
            return false;
        }

        Directory.CreateDirectory(Path.GetDirectoryName(Path.GetFullPath(path))!);
        await File.WriteAllBytesAsync(path, bytes, cancellationToken);
        return true;
    }

    public async Task<IReadOnlyList<string>> ListKeysAsync(string bucket, string prefix = "", CancellationToken cancellationToken = default) =>
        [.. (await ListObjectsAsync(bucket, prefix, cancellationToken)).Select(o => o.Key)];

    private async Task<IReadOnlyList<S3Object>> ListObjectsAsync(string bucket, string prefix, CancellationToken cancellationToken)
    {
        var objects = new List<S3Object>();
        var request = new ListObjectsV2Request { BucketName = bucket, Prefix = prefix };
        ListObjectsV2Response response;
        do
        {
            response = await _client.ListObjectsV2Async(request, cancellationToken);
            objects.AddRange(response.S3Objects ?? []);
            request.ContinuationToken = response.NextContinuationToken;
        }
        while (response.IsTruncated == true);

        return objects;
    }

    public async Task DeleteAsync(string bucket, string key, CancellationToken cancellationToken = default) =>
        await _client.DeleteObjectAsync(bucket, key, cancellationToken);

    public async Task DeletePrefixAsync(string bucket, string prefix, CancellationToken cancellationToken = default)
    {
        foreach (var key in await ListKeysAsync(bucket, prefix, cancellationToken))
        {
            await DeleteAsync(bucket, key, cancellationToken);
        }
    }

    public void Dispose() => _client.Dispose();

    private async Task<StoredRead> ReadAsync(string bucket, string key, CancellationToken cancellationToken)
    {
        try
        {
            using var response = await _client.GetObjectAsync(bucket, key, cancellationToken);
            using var buffer = new MemoryStream();
            await response.ResponseStream.CopyToAsync(buffer, cancellationToken);
            return new StoredRead(buffer.ToArray(), response.Metadata[Sha256Metadata]);
        }
        catch (AmazonS3Exception e) when (e.StatusCode == HttpStatusCode.NotFound)
        {
            return new StoredRead(null, null);
        }
    }

    /// <summary>An object's bytes (null: no such object) and the SHA-256 stored with them (null for objects not written by us).</summary>
    private readonly record struct StoredRead(byte[]? Bytes, string? Sha256)
    {
        public bool Intact => Bytes is null || string.IsNullOrEmpty(Sha256)
            || string.Equals(Sha256, Convert.ToHexStringLower(SHA256.HashData(Bytes)), StringComparison.Ordinal);
    }

    private static string ContentTypeOf(string path) => Path.GetExtension(path) switch
    {
        ".json" => "application/json",
        ".jsonl" => "application/jsonl",
        ".svg" => "image/svg+xml",
        _ => "application/octet-stream",
    };
}
