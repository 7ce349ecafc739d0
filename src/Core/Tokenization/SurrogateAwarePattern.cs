using System.Globalization;
using System.Text;

namespace FineTuneMesh.Core.Tokenization;

/// <summary>
/// Rewrites a Hugging Face split regex for .NET. Rust's regex matches code points, .NET's matches
/// UTF-16 units, so <c>\p{L}</c> and <c>\p{N}</c> miss letters and digits outside the BMP
/// (math alphanumerics, CJK Extension B...) and "𝐀's" would split differently. The rewrite spells
/// those classes with explicit surrogate pairs built from .NET's Unicode tables.
/// </summary>
internal static class SurrogateAwarePattern
{
    private const string HighSurrogates = @"\uD800-\uDBFF";
    private const string LowSurrogates = @"\uDC00-\uDFFF";

    private static readonly Lazy<(string Letters, string Numbers)> _astral = new(BuildAstralClasses);

    public static string Translate(string pattern)
    {
        var (letters, numbers) = _astral.Value;
        var anyPair = $"[{HighSurrogates}][{LowSurrogates}]";
        var lone = $"(?:[{HighSurrogates}](?![{LowSurrogates}])|(?<![{HighSurrogates}])[{LowSurrogates}])";
        var otherPair = $"(?!{letters}|{numbers}){anyPair}";

        // Placeholders first, so that the expansions (which contain \p{L} themselves) are not rewritten.
        // Runs keep a plain BMP loop inside (x+ rather than (?:x|pair)+), which .NET matches much faster.
        return pattern
            .Replace(@"[^\s\p{L}\p{N}]+", "\u0005", StringComparison.Ordinal)
            .Replace(@"\p{L}+", "\u0006", StringComparison.Ordinal)
            .Replace(@"[^\r\n\p{L}\p{N}]", "\u0001", StringComparison.Ordinal)
            .Replace(@"[^\s\p{L}\p{N}]", "\u0002", StringComparison.Ordinal)
            .Replace(@"\p{L}", "\u0003", StringComparison.Ordinal)
            .Replace(@"\p{N}", "\u0004", StringComparison.Ordinal)
            .Replace("\u0001", $@"(?:[^\r\n\p{{L}}\p{{N}}{HighSurrogates}{LowSurrogates}]|{otherPair}|{lone})", StringComparison.Ordinal)
            .Replace("\u0002", $@"(?:[^\s\p{{L}}\p{{N}}{HighSurrogates}{LowSurrogates}]|{otherPair}|{lone})", StringComparison.Ordinal)
            .Replace("\u0003", $@"(?:\p{{L}}|{letters})", StringComparison.Ordinal)
            .Replace("\u0004", $@"(?:\p{{N}}|{numbers})", StringComparison.Ordinal)
            .Replace("\u0005", $@"(?:[^\s\p{{L}}\p{{N}}{HighSurrogates}{LowSurrogates}]+|{otherPair}|{lone})+", StringComparison.Ordinal)
            .Replace("\u0006", $@"(?:\p{{L}}+|{letters})+", StringComparison.Ordinal);
    }

    private static (string Letters, string Numbers) BuildAstralClasses() =>
        (PairClass(IsLetter), PairClass(IsNumber));

    private static bool IsLetter(UnicodeCategory c) => c is UnicodeCategory.UppercaseLetter
        or UnicodeCategory.LowercaseLetter or UnicodeCategory.TitlecaseLetter
        or UnicodeCategory.ModifierLetter or UnicodeCategory.OtherLetter;

    private static bool IsNumber(UnicodeCategory c) => c is UnicodeCategory.DecimalDigitNumber
        or UnicodeCategory.LetterNumber or UnicodeCategory.OtherNumber;

    // (?:\uD835[\uDC00-\uDC54...]|[\uD840-\uD868][\uDC00-\uDFFF]|...): one alternative per run of
    // high surrogates whose low-surrogate sets are identical.
    private static string PairClass(Func<UnicodeCategory, bool> include)
    {
        var alternatives = new List<string>();
        string? previousLows = null;
        var runStart = 0;
        for (var high = 0xD800; high <= 0xDC00; high++)
        {
            var lows = high < 0xDC00 ? LowRanges(high, include) : null;
            if (lows != previousLows)
            {
                if (previousLows is not null)
                {
                    var highs = runStart == high - 1 ? $@"\u{runStart:X4}" : $@"[\u{runStart:X4}-\u{high - 1:X4}]";
                    alternatives.Add(highs + previousLows);
                }

                previousLows = lows;
                runStart = high;
            }
        }

        return alternatives.Count == 0 ? "(?!)" : "(?:" + string.Join('|', alternatives) + ")";
    }

    private static string? LowRanges(int high, Func<UnicodeCategory, bool> include)
    {
        var builder = new StringBuilder();
        var start = -1;
        for (var low = 0xDC00; low <= 0xE000; low++)
        {
            var inside = low < 0xE000
                && include(CharUnicodeInfo.GetUnicodeCategory(char.ConvertToUtf32((char)high, (char)low)));
            if (inside && start < 0)
            {
                start = low;
            }
            else if (!inside && start >= 0)
            {
                builder.Append(start == low - 1 ? $@"\u{start:X4}" : $@"\u{start:X4}-\u{low - 1:X4}");
                start = -1;
            }
        }

        return builder.Length == 0 ? null : "[" + builder + "]";
    }
}
