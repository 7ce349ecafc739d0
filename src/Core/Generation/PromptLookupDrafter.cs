namespace FineTuneMesh.Core.Generation;

/// <summary>
/// Drafts the tokens a template answer is likely to repeat: where the last few tokens of the
/// context (2 or 3, longest first) occurred before — in the prompt, in what was generated, or in
/// a text the answer is expected to contain (a template's fixed text) — the tokens that followed
/// that occurrence. Nothing is drafted without a match; the model verifies every draft.
/// </summary>
public sealed class PromptLookupDrafter(IReadOnlyList<int> expected)
{
    private const int LongestSuffix = 3;
    private const int ShortestSuffix = 2;

    /// <summary>Up to <paramref name="maxTokens"/> drafted continuations of <paramref name="context"/>; empty when nothing matches.</summary>
    public int[] Draft(IReadOnlyList<int> context, int maxTokens)
    {
        if (maxTokens <= 0)
        {
            return [];
        }

        for (var n = Math.Min(LongestSuffix, context.Count - 1); n >= ShortestSuffix; n--)
        {
            // The latest earlier occurrence in the context itself, then one in the expected text.
            var found = Continuation(context, context, n, context.Count - n - 1, maxTokens);
            if (found.Length == 0)
            {
                found = Continuation(expected, context, n, expected.Count - n, maxTokens);
            }

            if (found.Length > 0)
            {
                return found;
            }
        }

        return [];
    }

    /// <summary>The tokens after the latest match of the context's last <paramref name="n"/> tokens in <paramref name="source"/>, starting at or before <paramref name="last"/>.</summary>
    private static int[] Continuation(IReadOnlyList<int> source, IReadOnlyList<int> context, int n, int last, int maxTokens)
    {
        for (var start = last; start >= 0; start--)
        {
            var match = true;
            for (var i = 0; i < n && match; i++)
            {
                match = source[start + i] == context[context.Count - n + i];
            }

            if (match && start + n < source.Count)
            {
                var count = Math.Min(maxTokens, source.Count - start - n);
                var draft = new int[count];
                for (var i = 0; i < count; i++)
                {
                    draft[i] = source[start + n + i];
                }

                return draft;
            }
        }

        return [];
    }
}
