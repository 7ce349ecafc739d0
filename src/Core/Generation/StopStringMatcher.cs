using System.Text;

namespace FineTuneMesh.Core.Generation;

/// <summary>
/// Finds stop strings in streamed text. Text that might be the start of a stop string is held
/// back until it is known not to be, so a stop string split across tokens never leaks a partial
/// prefix, and <see cref="Flush"/> returns everything held when generation ends another way.
/// </summary>
public sealed class StopStringMatcher(IReadOnlyList<string> stopStrings)
{
    private readonly StringBuilder _pending = new();

    public bool Stopped { get; private set; }

    /// <summary>The stop string that ended generation, if any.</summary>
    public string? MatchedStopString { get; private set; }

    /// <summary>Adds decoded text; returns the part that is safe to emit now.</summary>
    public string Push(string text)
    {
        if (Stopped)
        {
            return "";
        }

        _pending.Append(text);
        if (stopStrings.Count == 0)
        {
            return TakePending(_pending.Length);
        }

        var pending = _pending.ToString();
        var (index, matched) = EarliestMatch(pending);
        if (matched is not null)
        {
            Stopped = true;
            MatchedStopString = matched;
            _pending.Clear();
            return pending[..index];
        }

        return TakePending(pending.Length - LongestHeldSuffix(pending));
    }

    /// <summary>Everything still held back (nothing after a stop).</summary>
    public string Flush() => Stopped ? "" : TakePending(_pending.Length);

    private string TakePending(int count)
    {
        var text = _pending.ToString(0, count);
        _pending.Remove(0, count);
        return text;
    }

    private (int Index, string? Matched) EarliestMatch(string text)
    {
        var best = (Index: int.MaxValue, Matched: (string?)null);
        foreach (var stop in stopStrings)
        {
            var index = text.IndexOf(stop, StringComparison.Ordinal);
            if (index >= 0 && index < best.Index)
            {
                best = (index, stop);
            }
        }

        return best;
    }

    /// <summary>The length of the longest suffix of <paramref name="text"/> that begins some stop string.</summary>
    private int LongestHeldSuffix(string text)
    {
        var longest = 0;
        foreach (var stop in stopStrings)
        {
            for (var length = Math.Min(stop.Length - 1, text.Length); length > longest; length--)
            {
                if (text.AsSpan(text.Length - length).SequenceEqual(stop.AsSpan(0, length)))
                {
                    longest = length;
                    break;
                }
            }
        }

        return longest;
    }
}
