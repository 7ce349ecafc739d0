namespace FineTuneMesh.Core.Modeling;

/// <summary>
/// One sequence's part of a <see cref="TokenStep"/>: the model it runs on (the base model, or an
/// adapter's model over the same weights), its own KV cache, and its new tokens.
/// </summary>
public sealed record StepSequence(CausalLanguageModel Model, KvCache Cache, long[] Tokens);
