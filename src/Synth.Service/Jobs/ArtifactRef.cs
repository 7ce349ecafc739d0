namespace FineTuneMesh.Synth.Service.Jobs;

/// <summary>Where an artifact is stored: bucket and key.</summary>
public sealed record ArtifactRef(string Bucket, string Key);
