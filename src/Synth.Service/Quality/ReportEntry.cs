namespace FineTuneMesh.Synth.Service.Quality;

/// <summary>One example the gate saw: from which batch, accepted or not, and why not.</summary>
public sealed record ReportEntry(int Batch, bool Accepted, IReadOnlyDictionary<string, string> Record,
    RejectionReason? Reason = null, string? Detail = null);
