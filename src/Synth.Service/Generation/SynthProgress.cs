namespace FineTuneMesh.Synth.Service.Generation;

/// <summary>Where a running job stands after a batch (<c>progress</c>) or before a retry wait (<c>retry</c>).</summary>
public sealed record SynthProgress(string Kind, int Batch, int Accepted, int Rejected, int Requests, long InputTokens, long OutputTokens, string? Message);
