namespace FineTuneMesh.Core.Training;

/// <summary>
/// Weights a task's examples in a multi-task mix: weight 1 keeps each once, a whole weight repeats
/// them, and the rest is a seeded draw without replacement (0.5 keeps a seeded half, 2.5 keeps
/// everything twice and a seeded half once more).
/// </summary>
public static class TaskMix
{
    public static IReadOnlyList<T> Weighted<T>(IReadOnlyList<T> examples, double weight, long seed)
    {
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(weight);
        var whole = (int)Math.Floor(weight);
        var extra = (int)Math.Round((weight - whole) * examples.Count);
        var random = new Random(unchecked((int)seed * 31 + 7));
        var mixed = new List<T>(whole * examples.Count + extra);
        for (var i = 0; i < whole; i++)
        {
            mixed.AddRange(examples);
        }

        mixed.AddRange(Enumerable.Range(0, examples.Count).OrderBy(_ => random.Next()).Take(extra).Order().Select(i => examples[i]));
        return mixed.Count == 0 && examples.Count > 0 ? [examples[0]] : mixed;
    }
}
