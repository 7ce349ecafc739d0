namespace FineTuneMesh.Synth.Service.Jobs;

/// <summary>A job's own limits; each may only tighten the service's (<see cref="SynthOptions"/>).</summary>
public sealed record SynthLimits(
    int? MaxRequests = null,
    long? MaxTokens = null,
    int? MaxFieldChars = null,
    int? MaxExampleChars = null,
    double? NearDuplicateThreshold = null);
