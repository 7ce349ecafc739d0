using FineTuneMesh.Synth.Service.Quality;

namespace FineTuneMesh.Synth.Service.Generation;

/// <summary>
/// Where a running job stands after a batch (<c>progress</c>) or before a retry wait (<c>retry</c>).
/// After a batch, <see cref="Entries"/> are the examples the gate saw in it, accepted or not, so
/// that whoever watches the job sees them arrive.
/// </summary>
public sealed record SynthProgress(string Kind, int Batch, int Accepted, int Rejected, int Requests, long InputTokens, long OutputTokens,
    string? Message, IReadOnlyList<ReportEntry>? Entries = null);
