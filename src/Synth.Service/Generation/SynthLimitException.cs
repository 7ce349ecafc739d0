namespace FineTuneMesh.Synth.Service.Generation;

/// <summary>A job stopped on purpose: a cap was reached or the provider kept failing. The message is the reason shown to the user.</summary>
public sealed class SynthLimitException(string message, Exception? inner = null) : Exception(message, inner);
