namespace FineTuneMesh.Trainer.Worker.Apis;

/// <summary>The body of <c>PUT /api/train/adapters/{name}/aliases/{alias}</c>: the version the alias points at.</summary>
public sealed record AliasRequest(int? Version);
