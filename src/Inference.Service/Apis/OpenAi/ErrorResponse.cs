namespace FineTuneMesh.Inference.Service.Apis.OpenAi;

/// <summary><c>{"error": {...}}</c>, as OpenAI sends it.</summary>
public sealed record ErrorResponse(ErrorBody Error);
