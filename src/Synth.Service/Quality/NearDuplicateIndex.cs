namespace FineTuneMesh.Synth.Service.Quality;

/// <summary>
/// Finds exact duplicates (equal normalised text) and near duplicates (Jaccard similarity of word
/// shingles at or above a threshold) among the texts added so far. Texts shorter than a shingle
/// are one shingle. Linear in the number of texts, which is fine for the thousands a job makes.
/// </summary>
public sealed class NearDuplicateIndex(double threshold, int shingleSize = 3)
{
    private readonly Dictionary<string, string> _exact = new(StringComparer.Ordinal);
    private readonly List<(string Label, HashSet<string> Shingles)> _entries = [];

    public int Count => _entries.Count;

    public void Add(string label, string text)
    {
        var normalized = TextNormalizer.Normalize(text);
        _exact.TryAdd(normalized, label);
        _entries.Add((label, Shingles(normalized)));
    }

    /// <summary>The first duplicate found, or null when the text is new.</summary>
    public Rejection? FindDuplicate(string text)
    {
        var normalized = TextNormalizer.Normalize(text);
        if (_exact.TryGetValue(normalized, out var same))
        {
            return new Rejection(RejectionReason.ExactDuplicate, $"same text as {same}");
        }

        var shingles = Shingles(normalized);
        string? best = null;
        var bestScore = 0.0;
        foreach (var (label, other) in _entries)
        {
            var score = Jaccard(shingles, other);
            if (score > bestScore)
            {
                (best, bestScore) = (label, score);
            }
        }

        return best is not null && bestScore >= threshold
            ? new Rejection(RejectionReason.NearDuplicate, $"{bestScore:0.00} similar to {best} (threshold {threshold:0.00})")
            : null;
    }

    public static double Jaccard(HashSet<string> a, HashSet<string> b)
    {
        if (a.Count == 0 && b.Count == 0)
        {
            return 1;
        }

        var (small, large) = a.Count <= b.Count ? (a, b) : (b, a);
        var common = small.Count(large.Contains);
        return (double)common / (a.Count + b.Count - common);
    }

    public HashSet<string> Shingles(string normalized)
    {
        var words = TextNormalizer.Words(normalized);
        if (words.Length <= shingleSize)
        {
            return words.Length == 0 ? [] : [string.Join(' ', words)];
        }

        var shingles = new HashSet<string>(StringComparer.Ordinal);
        for (var i = 0; i + shingleSize <= words.Length; i++)
        {
            shingles.Add(string.Join(' ', words, i, shingleSize));
        }

        return shingles;
    }
}
