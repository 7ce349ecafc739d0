using FineTuneMesh.Core.Modeling;
using static TorchSharp.torch;

namespace FineTuneMesh.Core.Generation;

/// <summary>
/// Speculative decoding for one stream: draft a few tokens (<see cref="PromptLookupDrafter"/>), run
/// the last token and the draft through the model in one step, keep the draft up to the first token
/// the model does not take, and take the model's own token there. Greedy takes a drafted token where
/// it is the argmax; sampling takes it by the acceptance rule (<see cref="LogitsSampler.NextGiven"/>),
/// which leaves the distribution of the text unchanged. The engine's step gives every row bit for
/// bit the logits of one token at a time, so greedy tokens are exactly those of plain greedy
/// decoding. The draft length adapts: it doubles while drafts are accepted whole
/// and halves when the first drafted token is refused, so a stream whose drafts keep failing pays
/// for short ones only; once a one-token draft is refused too, drafting pauses for a few steps
/// (1, 2, 4 ... 16, reset by any accepted draft), so where drafts fail (random weights, or sampling
/// at a high temperature) plain decoding is barely slowed.
/// </summary>
/// <param name="drafter">Where drafts come from.</param>
/// <param name="maxDraft">The longest draft.</param>
/// <param name="argmaxOnly">Greedy without a repetition penalty: each row's token is its logits' argmax, one argmax for all rows.</param>
internal sealed class Speculation(PromptLookupDrafter drafter, int maxDraft, bool argmaxOnly)
{
    private const int LongestPause = 16;
    private int _length = Math.Min(4, maxDraft);
    private int _pause;
    private int _pauseLeft;

    public int Drafted { get; private set; }
    public int Accepted { get; private set; }

    /// <summary>
    /// The tokens decided after <paramref name="last"/> (which <paramref name="history"/> ends with),
    /// or null when nothing was drafted or the model cannot take the step (a plain step follows).
    /// <paramref name="step"/> is the engine's step over a few tokens of this stream (null where it does not apply).
    /// </summary>
    public async Task<int[]?> StepAsync(Func<long[], KvCache, Task<Tensor?>> step, int last, KvCache cache, LogitsSampler sampler,
        List<int> history, int room, Func<Tensor, Tensor> decodable)
    {
        if (_pauseLeft > 0)
        {
            _pauseLeft--;
            return null;
        }

        var draft = drafter.Draft(history, Math.Min(_length, room - 1));
        if (draft.Length == 0)
        {
            return null;
        }

        var start = cache.Length;
        using var logits = await step([last, .. draft.Select(t => (long)t)], cache).ConfigureAwait(false);   // [T, V]
        return logits is null ? null : Accept(logits, draft, start, cache, sampler, history, decodable);
    }

    private int[] Accept(Tensor logits, int[] draft, long start, KvCache cache, LogitsSampler sampler, List<int> history, Func<Tensor, Tensor> decodable)
    {
        using var scope = NewDisposeScope();
        var decided = new List<int>();
        var choices = argmaxOnly ? decodable(logits).argmax(-1).data<long>().ToArray() : null;
        var context = argmaxOnly ? null : new List<int>(history);
        for (var i = 0; i <= draft.Length; i++)
        {
            var token = choices is not null ? (int)choices[i]
                : i < draft.Length ? sampler.NextGiven(decodable(logits[i]), context!, draft[i])
                : sampler.Next(decodable(logits[i]), context!);
            decided.Add(token);
            if (i == draft.Length || token != draft[i])
            {
                break;
            }

            context?.Add(token);
        }

        // The cache keeps the last token and the accepted drafts; the model's own next token is not in it yet.
        var accepted = decided.Count - 1;
        cache.Truncate(start + 1 + accepted);
        Drafted += draft.Length;
        Accepted += accepted;
        if (accepted == 0 && _length == 1)
        {
            _pause = Math.Min(LongestPause, Math.Max(1, _pause * 2));
            _pauseLeft = _pause;
        }
        else if (accepted > 0)
        {
            _pause = 0;
        }

        _length = accepted == draft.Length ? Math.Min(maxDraft, _length * 2) : accepted == 0 ? Math.Max(1, _length / 2) : _length;
        return [.. decided];
    }
}
