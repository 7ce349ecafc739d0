namespace FineTuneMesh.Core.Tests.Hub;

/// <summary>What the fake Hub saw of one request.</summary>
internal sealed record RecordedRequest(string Method, string Path, string? Range, string? Authorization);
