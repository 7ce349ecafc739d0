namespace FineTuneMesh.Inference.Service.Generation;

/// <summary>The base model is still loading.</summary>
public sealed class ModelNotReadyException() : Exception("the base model is still loading; retry shortly.");
