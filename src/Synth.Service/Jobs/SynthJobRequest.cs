namespace FineTuneMesh.Synth.Service.Jobs;

/// <summary>
/// The body of <c>POST /api/synth/jobs</c>. Only <see cref="Template"/>, <see cref="Seeds"/> (two or
/// more records with the template's fields) and <see cref="Count"/> are required.
/// </summary>
public sealed record SynthJobRequest(
    string? Template,
    IReadOnlyList<Dictionary<string, string>>? Seeds,
    int? Count,
    string? Provider = null,
    string? Model = null,
    SynthSampling? Sampling = null,
    int? BatchSize = null,
    bool? IncludeSeeds = null,
    SynthLimits? Limits = null,
    TrainHandoffRequest? Train = null);
