namespace FineTuneMesh.Inference.Service.Apis.OpenAi;

/// <summary>What a stream chunk adds to the message: the role first, then content.</summary>
public sealed record ChatDelta(string? Role, string? Content);
