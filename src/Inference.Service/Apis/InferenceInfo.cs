namespace FineTuneMesh.Inference.Service.Apis;

/// <summary>
/// The info endpoint's body: the fields every service reports, plus what was actually loaded.
/// <see cref="Fallback"/> is true when a tiny random model stands in for FINETUNE_BASE_MODEL. It names
/// no server folder: a caller learns what is served, not where it lies.
/// </summary>
public sealed record InferenceInfo(
    string Service,
    string Version,
    string? BaseModel,
    string Environment,
    string? Dtype,
    bool Fallback,
    string? FallbackReason,
    Mesh.Jobs.ComputeChoice? Compute)
{
    /// <summary>How decoding has gone since the service started (for benchmarks and operators).</summary>
    public DecodingStatistics? Decoding { get; init; }

    /// <summary>The attention-cache budget and how much of it running generations hold.</summary>
    public KvCacheStatistics? KvCache { get; init; }
}

/// <param name="BudgetBytes">the whole budget (Inference:MaxKvCacheMB)</param>
/// <param name="ReservedBytes">what running generations hold now</param>
/// <param name="Generations">the generations holding it</param>
public sealed record KvCacheStatistics(long BudgetBytes, long ReservedBytes, int Generations);

/// <param name="StepsBySequences">shared decode steps by how many sequences they ran (index 0 unused)</param>
/// <param name="DraftedTokens">tokens drafted for speculative decoding</param>
/// <param name="AcceptedDraftTokens">drafted tokens the model accepted</param>
public sealed record DecodingStatistics(IReadOnlyList<long> StepsBySequences, long DraftedTokens, long AcceptedDraftTokens);
