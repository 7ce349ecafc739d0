namespace FineTuneMesh.Synth.Service.Quality;

/// <summary>A reason and the detail a person needs to see it, e.g. which field or which earlier example.</summary>
public sealed record Rejection(RejectionReason Reason, string Detail);
