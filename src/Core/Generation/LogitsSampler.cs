using static TorchSharp.torch;

namespace FineTuneMesh.Core.Generation;

/// <summary>
/// Picks the next token from a logits vector: repetition penalty, then temperature, top-k, top-p
/// and min-p (the order Hugging Face applies them), then a draw from a seeded random source.
/// </summary>
public sealed class LogitsSampler
{
    private readonly SamplingOptions _options;
    private readonly Random _random;

    public LogitsSampler(SamplingOptions options)
    {
        _options = options;
        _random = options.Seed is { } seed ? new Random(seed) : Random.Shared;
    }

    /// <param name="logits">[vocab] logits of the last position, any float dtype</param>
    /// <param name="history">prompt and generated ids, for the repetition penalty</param>
    public int Next(Tensor logits, IReadOnlyCollection<int> history)
    {
        using var scope = NewDisposeScope();
        var scores = Scores(logits, history);
        if (_options.IsGreedy)
        {
            return (int)scores.argmax().item<long>();
        }

        var (ids, probabilities, kept) = Candidates(scores);
        return (int)ids[Draw(probabilities, kept, excluded: -1)];
    }

    /// <summary>
    /// Speculative sampling's acceptance rule for a drafted token: keep <paramref name="draft"/> with
    /// the probability the distribution gives it, else draw from the distribution without it. The
    /// draft is one certain token (a lookup, not a model), so the token returned has exactly the
    /// distribution of <see cref="Next"/>: p(draft) by acceptance, and for any other token t,
    /// (1 - p(draft)) x p(t) / (1 - p(draft)) = p(t). Greedy keeps the draft where it is the argmax.
    /// </summary>
    public int NextGiven(Tensor logits, IReadOnlyCollection<int> history, int draft)
    {
        using var scope = NewDisposeScope();
        var scores = Scores(logits, history);
        if (_options.IsGreedy)
        {
            return (int)scores.argmax().item<long>();
        }

        var (ids, probabilities, kept) = Candidates(scores);
        var at = Array.IndexOf(ids, (long)draft, 0, kept);
        if (at >= 0)
        {
            double total = 0;
            for (var i = 0; i < kept; i++)
            {
                total += probabilities[i];
            }

            if (_random.NextDouble() * total < probabilities[at])
            {
                return draft;
            }
        }

        return (int)ids[Draw(probabilities, kept, excluded: at)];
    }

    /// <summary>The scores after the repetition penalty, in fp32.</summary>
    private Tensor Scores(Tensor logits, IReadOnlyCollection<int> history)
    {
        var scores = logits.to(ScalarType.Float32);
        return _options.RepetitionPenalty != 1.0 && history.Count > 0 ? ApplyRepetitionPenalty(scores, history, _options.RepetitionPenalty) : scores;
    }

    /// <summary>The candidates by falling probability after temperature and top-k, and how many survive top-p and min-p.</summary>
    private (long[] Ids, float[] Probabilities, int Kept) Candidates(Tensor scores)
    {
        scores = scores / _options.Temperature;
        var (values, indices) = _options.TopK > 0
            ? scores.topk(Math.Min(_options.TopK, (int)scores.shape[0]))
            : scores.sort(descending: true);
        var probabilities = nn.functional.softmax(values, 0).data<float>().ToArray();
        return (indices.data<long>().ToArray(), probabilities, KeptCount(probabilities, _options.TopP, _options.MinP));
    }

    private static Tensor ApplyRepetitionPenalty(Tensor scores, IReadOnlyCollection<int> history, double penalty)
    {
        var seen = tensor(history.Distinct().Select(i => (long)i).ToArray());
        var current = scores.gather(0, seen);
        var penalised = where(current < 0, current * penalty, current / penalty);
        return scores.clone().scatter_(0, seen, penalised);
    }

    /// <summary>How many of the sorted candidates survive top-p and min-p (at least one).</summary>
    private static int KeptCount(float[] sortedProbabilities, double topP, double minP)
    {
        var threshold = minP * sortedProbabilities[0];
        double cumulative = 0;
        var kept = 0;
        while (kept < sortedProbabilities.Length)
        {
            if (kept > 0 && (cumulative >= topP || sortedProbabilities[kept] < threshold))
            {
                break;
            }

            cumulative += sortedProbabilities[kept];
            kept++;
        }

        return kept;
    }

    /// <summary>A draw among the first <paramref name="count"/> candidates by their probabilities, never <paramref name="excluded"/> (-1: none).</summary>
    private int Draw(float[] probabilities, int count, int excluded)
    {
        double total = 0;
        for (var i = 0; i < count; i++)
        {
            total += i == excluded ? 0 : probabilities[i];
        }

        var target = _random.NextDouble() * total;
        var last = 0;
        for (var i = 0; i < count; i++)
        {
            if (i == excluded)
            {
                continue;
            }

            last = i;
            target -= probabilities[i];
            if (target < 0)
            {
                return i;
            }
        }

        return last;
    }
}
