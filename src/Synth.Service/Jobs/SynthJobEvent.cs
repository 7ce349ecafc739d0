namespace FineTuneMesh.Synth.Service.Jobs;

/// <summary>One progress event of <c>GET /api/synth/jobs/{id}/events</c>: <c>status</c>, <c>progress</c>, <c>retry</c> or <c>handoff</c>.</summary>
public sealed record SynthJobEvent(
    long Sequence,
    string Type,
    SynthJobStatus Status,
    int Accepted,
    int Rejected,
    int Requests,
    long Tokens,
    string? Message,
    DateTimeOffset At);
