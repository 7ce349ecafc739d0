namespace FineTuneMesh.Inference.Service.Models;

/// <summary>No adapter folder of that name under the adapters root.</summary>
public sealed class AdapterNotFoundException(string message) : Exception(message);
