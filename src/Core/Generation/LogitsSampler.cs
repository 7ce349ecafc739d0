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
        var scores = logits.to(ScalarType.Float32);
        if (_options.RepetitionPenalty != 1.0 && history.Count > 0)
        {
            scores = ApplyRepetitionPenalty(scores, history, _options.RepetitionPenalty);
        }

        if (_options.IsGreedy)
        {
            return (int)scores.argmax().item<long>();
        }

        scores = scores / _options.Temperature;
        var (values, indices) = _options.TopK > 0
            ? scores.topk(Math.Min(_options.TopK, (int)scores.shape[0]))
            : scores.sort(descending: true);
        var probabilities = nn.functional.softmax(values, 0).data<float>().ToArray();
        var ids = indices.data<long>().ToArray();
        var kept = KeptCount(probabilities, _options.TopP, _options.MinP);
        return (int)ids[Draw(probabilities, kept)];
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

    private int Draw(float[] probabilities, int count)
    {
        double total = 0;
        for (var i = 0; i < count; i++)
        {
            total += probabilities[i];
        }

        var target = _random.NextDouble() * total;
        for (var i = 0; i < count; i++)
        {
            target -= probabilities[i];
            if (target < 0)
            {
                return i;
            }
        }

        return count - 1;
    }
}
