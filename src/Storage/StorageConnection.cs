using System.Data.Common;

namespace FineTuneMesh.Storage;

/// <summary>
/// Where the S3-protocol server is and how to sign requests, parsed from a connection string:
/// <c>Endpoint=http://127.0.0.1:9000;AccessKey=...;SecretKey=...[;Region=us-east-1]</c>.
/// MinIO, s3rver and AWS itself all take the same shape.
/// </summary>
public sealed record StorageConnection(Uri Endpoint, string AccessKey, string SecretKey, string Region)
{
    public const string DefaultRegion = "us-east-1";

    public static StorageConnection Parse(string connectionString)
    {
        var parts = new DbConnectionStringBuilder { ConnectionString = connectionString };
        string Get(string key) => parts.TryGetValue(key, out var value) && value?.ToString() is { Length: > 0 } text
            ? text
            : throw new FormatException($"the storage connection string has no {key}= part (Endpoint, AccessKey and SecretKey are required).");

        if (!Uri.TryCreate(Get("Endpoint"), UriKind.Absolute, out var endpoint))
        {
            throw new FormatException($"the storage connection string's Endpoint '{Get("Endpoint")}' is not an absolute URL.");
        }

        var region = parts.TryGetValue("Region", out var r) && r?.ToString() is { Length: > 0 } given ? given : DefaultRegion;
        return new StorageConnection(endpoint, Get("AccessKey"), Get("SecretKey"), region);
    }

    public override string ToString() => $"Endpoint={Endpoint};AccessKey={AccessKey};SecretKey=***;Region={Region}";
}
