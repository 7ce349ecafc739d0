using System.Runtime.CompilerServices;

namespace FineTuneMesh.Synth.Service.Providers;

/// <summary>
/// Carries a response's Retry-After from <see cref="RetryAfterHandler"/> back to the provider
/// call that is waiting on the SDK: the SDKs turn error responses into exceptions without their
/// headers. A provider calls <see cref="Begin"/> before the SDK call; the box flows down the async
/// call chain into the handler, which fills it.
/// </summary>
public static class RetryAfterCapture
{
    private static readonly AsyncLocal<StrongBox<TimeSpan?>?> _current = new();

    public static StrongBox<TimeSpan?> Begin()
    {
        var box = new StrongBox<TimeSpan?>();
        _current.Value = box;
        return box;
    }

    internal static void Record(TimeSpan delay)
    {
        if (_current.Value is { } box)
        {
            box.Value = delay;
        }
    }
}
