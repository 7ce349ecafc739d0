namespace FineTuneMesh.Synth.Service.Jobs;

/// <summary>Sampling for the provider; unset values take the provider's defaults (stream and structured output: the provider's configuration).</summary>
public sealed record SynthSampling(float? Temperature = null, float? TopP = null, int? MaxTokens = null, bool? Stream = null, bool? StructuredOutput = null);
