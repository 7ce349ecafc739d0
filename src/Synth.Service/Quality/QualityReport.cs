namespace FineTuneMesh.Synth.Service.Quality;

/// <summary>What the gate decided for a job: counts, rejections by reason, and every example with its verdict.</summary>
public sealed record QualityReport(
    string JobId,
    string Template,
    int Requested,
    int Accepted,
    int Rejected,
    IReadOnlyDictionary<RejectionReason, int> RejectedByReason,
    int UnreadableReplies,
    IReadOnlyList<ReportEntry> Examples);
