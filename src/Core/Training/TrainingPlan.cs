namespace FineTuneMesh.Core.Training;

/// <summary>
/// The order of every optimiser step of a run, fixed by the seed: per epoch a seeded shuffle,
/// then length bucketing (examples of similar length share a batch, so little compute goes to
/// padding), then a seeded shuffle of the batches. Because the plan is a pure function of the
/// seed, a resumed run continues at step N with exactly the batches an uninterrupted run had.
/// </summary>
public sealed class TrainingPlan
{
    // Buckets are sorted within windows of this many batches: short-range sorting keeps batches
    // tight while the order across windows stays random.
    private const int BucketWindowBatches = 8;

    private readonly List<TrainingExample[][]> _steps = [];
    private readonly List<int> _epochOfStep = [];

    public TrainingPlan(IReadOnlyList<TrainingExample> examples, TrainingOptions options)
    {
        for (var epoch = 0; epoch < options.Epochs; epoch++)
        {
            var random = new Random(unchecked((int)options.Seed * 31 + epoch));
            var shuffled = examples.OrderBy(_ => random.Next()).ToList();
            var batches = shuffled.Chunk(options.BatchSize * BucketWindowBatches)
                .SelectMany(window => window.OrderBy(e => e.Length).Chunk(options.BatchSize))
                .OrderBy(_ => random.Next())
                .ToList();
            foreach (var group in batches.Chunk(options.GradientAccumulation))
            {
                _steps.Add(group);
                _epochOfStep.Add(epoch + 1);
            }
        }
    }

    public int TotalSteps => _steps.Count;

    /// <summary>The micro-batches accumulated into optimiser step <paramref name="step"/> (0-based).</summary>
    public TrainingExample[][] Step(int step) => _steps[step];

    public int EpochOf(int step) => _epochOfStep[step];

    /// <summary>Whether <paramref name="step"/> is the last step of its epoch.</summary>
    public bool EndsEpoch(int step) => step == _steps.Count - 1 || _epochOfStep[step + 1] != _epochOfStep[step];

    /// <summary>Splits off a seeded hold-out set: the given fraction, at least one example, none when too few.</summary>
    public static (IReadOnlyList<TrainingExample> Train, IReadOnlyList<TrainingExample> Eval) HoldOut(
        IReadOnlyList<TrainingExample> examples, double fraction, long seed)
    {
        var eval = HeldOutIndices(examples.Count, fraction, seed);
        return ([.. Enumerable.Range(0, examples.Count).Where(i => !eval.Contains(i)).Select(i => examples[i])],
            [.. eval.Select(i => examples[i])]);
    }

    /// <summary>
    /// Which of <paramref name="count"/> records <see cref="HoldOut"/> holds out, in order: so the
    /// held-out records themselves can be found again (to answer them after training).
    /// </summary>
    public static IReadOnlyList<int> HeldOutIndices(int count, double fraction, long seed)
    {
        if (fraction <= 0 || count < 5)
        {
            return [];
        }

        var held = Math.Clamp((int)Math.Round(count * fraction), 1, count - 1);
        var random = new Random(unchecked((int)seed * 17 + 5));
        return [.. Enumerable.Range(0, count).OrderBy(_ => random.Next()).Take(held).Order()];
    }
}
