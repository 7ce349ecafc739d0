using FineTuneMesh.Synth.Service.Quality;

namespace FineTuneMesh.Synth.Service.Jobs;

/// <summary>
/// One progress event of <c>GET /api/synth/jobs/{id}/events</c>: <c>status</c>, <c>progress</c>,
/// <c>retry</c> or <c>handoff</c>. A batch's <c>progress</c> carries the examples the gate saw in it.
/// </summary>
public sealed record SynthJobEvent(
    long Sequence,
    string Type,
    SynthJobStatus Status,
    int Accepted,
    int Rejected,
    int Requests,
    long Tokens,
    string? Message,
    DateTimeOffset At,
    IReadOnlyList<ReportEntry>? Entries = null);
