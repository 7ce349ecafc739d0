namespace FineTuneMesh.Inference.Service.Models;

/// <summary>One folder under the adapters root: its settings when readable, else why not.</summary>
public sealed record AdapterDescription(string Name, bool Loaded, int Rank, double Alpha, IReadOnlyList<string> TargetModules, string? Error);
