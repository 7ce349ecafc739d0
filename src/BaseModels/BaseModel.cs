namespace FineTuneMesh.BaseModels;

/// <summary>
/// A base model found on this machine: the name jobs and adapters record, its folder, and, when
/// it is the built-in tiny model standing in for the configured one, why.
/// </summary>
public sealed record BaseModel(string Name, string Folder, string? Revision, string? FallbackReason)
{
    public bool IsFallback => FallbackReason is not null;
}
