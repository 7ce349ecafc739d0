namespace FineTuneMesh.Core.Hub;

/// <summary>A Hub download failed; <see cref="Kind"/> says why, the message says what to do.</summary>
public sealed class HubException(HubErrorKind kind, string message, Exception? inner = null) : Exception(message, inner)
{
    public HubErrorKind Kind { get; } = kind;
}
