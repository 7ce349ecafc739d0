namespace FineTuneMesh.Core.Hub;

/// <summary>Download progress of one file. <see cref="TotalBytes"/> is null when the server sends no length.</summary>
public sealed record HubProgress(string File, long BytesDone, long? TotalBytes);
