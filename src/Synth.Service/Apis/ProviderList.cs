namespace FineTuneMesh.Synth.Service.Apis;

/// <summary>The body of <c>GET /api/synth/providers</c>: the default provider's name and every configured one.</summary>
public sealed record ProviderList(string Default, IReadOnlyList<ProviderSummary> Providers);

/// <summary>A configured provider as a caller may see it: its name, kind and default model, never its key or address.</summary>
public sealed record ProviderSummary(string Name, string Kind, string? Model);
