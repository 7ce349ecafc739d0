namespace FineTuneMesh.Storage;

/// <summary>An object as written: where it is, its size and the SHA-256 of its bytes (hex).</summary>
public sealed record StoredObject(string Bucket, string Key, long Size, string Sha256);
