using System.Text;
using System.Text.RegularExpressions;

namespace FineTuneMesh.Core.Tokenization;

/// <summary>
/// Plain byte-level BPE training: split with the pre-tokenizer regex, start from single bytes,
/// repeatedly merge the most frequent adjacent pair. Deterministic: ties go to the ordinally
/// smallest pair. Small corpora only (it recounts everything each round).
/// </summary>
internal static class BpeTrainer
{
    public static List<(string Left, string Right)> Train(string corpus, string pattern, int mergeCount)
    {
        var regex = new Regex(pattern, RegexOptions.CultureInvariant);
        var wordCounts = new Dictionary<string, int>(StringComparer.Ordinal);
        foreach (Match match in regex.Matches(corpus.Normalize(NormalizationForm.FormC)))
        {
            var word = ByteLevelAlphabet.Encode(Encoding.UTF8.GetBytes(match.Value));
            wordCounts[word] = wordCounts.GetValueOrDefault(word) + 1;
        }

        var words = wordCounts
            .OrderBy(w => w.Key, StringComparer.Ordinal)
            .Select(w => (Symbols: w.Key.Select(c => c.ToString()).ToList(), Count: w.Value))
            .ToList();
        var known = new HashSet<string>(ByteLevelAlphabet.SingleByteTokensInGpt2Order(), StringComparer.Ordinal);
        var merges = new List<(string, string)>(mergeCount);

        while (merges.Count < mergeCount)
        {
            var pairCounts = new Dictionary<(string, string), int>();
            foreach (var (symbols, count) in words)
            {
                for (var i = 0; i + 1 < symbols.Count; i++)
                {
                    var pair = (symbols[i], symbols[i + 1]);
                    pairCounts[pair] = pairCounts.GetValueOrDefault(pair) + count;
                }
            }

            // A pair whose concatenation is already a token would add a merge but no new token.
            var best = pairCounts
                .Where(p => !known.Contains(p.Key.Item1 + p.Key.Item2))
                .OrderByDescending(p => p.Value)
                .ThenBy(p => p.Key.Item1, StringComparer.Ordinal)
                .ThenBy(p => p.Key.Item2, StringComparer.Ordinal)
                .Select(p => ((string, string)?)p.Key)
                .FirstOrDefault();
            if (best is not { } merge)
            {
                throw new ArgumentOutOfRangeException(
                    nameof(mergeCount), mergeCount, $"The corpus supports only {merges.Count} merges.");
            }

            merges.Add(merge);
            var merged = merge.Item1 + merge.Item2;
            known.Add(merged);
            foreach (var (symbols, _) in words)
            {
                for (var i = 0; i + 1 < symbols.Count; i++)
                {
                    if (symbols[i] == merge.Item1 && symbols[i + 1] == merge.Item2)
                    {
                        symbols[i] = merged;
                        symbols.RemoveAt(i + 1);
                    }
                }
            }
        }

        return merges;
    }
}
