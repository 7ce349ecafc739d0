using System.Text.Json;

namespace FineTuneMesh.Synth.Service.Providers;

/// <summary>
/// Sampling and output settings for one request. <paramref name="ResponseSchema"/> is a JSON schema
/// for structured output, or null for free text.
/// </summary>
public sealed record ChatRequestOptions(float? Temperature, float? TopP, int MaxTokens, bool Stream, JsonElement? ResponseSchema);
