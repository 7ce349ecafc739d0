using System.Diagnostics;
using System.Runtime.CompilerServices;
using FineTuneMesh.Core.Modeling;
using FineTuneMesh.Core.Tokenization;
using static TorchSharp.torch;

namespace FineTuneMesh.Core.Generation;

/// <summary>
/// The decode loop: prefill the prompt into a fresh KV cache, then sample one token per step,
/// detokenize incrementally (UTF-8 safe), hold back possible stop-string prefixes, and stream.
/// Streaming comes first; <see cref="GenerateAsync"/> collects the stream.
/// </summary>
public sealed class TextGenerator(CausalLanguageModel model, TextTokenizer tokenizer)
{
    /// <summary>
    /// Where set, decode steps join the batcher's shared steps with every other stream on the same
    /// base weights (continuous batching); the tokens are the same as without it.
    /// </summary>
    public DecodeBatcher? Batcher { get; set; }

    /// <summary>
    /// Prompts longer than this are prefilled this many tokens at a time, and between chunks the
    /// batcher's decoding streams take a step (chunked prefill: a long prompt joining never stalls
    /// them for its whole length). 0 prefills in one pass. The chunks depend on the prompt alone, so
    /// a stream's tokens are the same batched or alone.
    /// </summary>
    public int PrefillChunkTokens { get; set; }

    public async IAsyncEnumerable<GenerationEvent> StreamAsync(IReadOnlyList<int> promptIds, SamplingOptions options,
        [EnumeratorCancellation] CancellationToken cancellationToken = default)
    {
        options.Validate();
        if (promptIds.Count == 0)
        {
            throw new ArgumentException("the prompt is empty.");
        }

        var contextLimit = model.Config.MaxPositionEmbeddings;
        if (promptIds.Count >= contextLimit)
        {
            throw new ArgumentException($"the prompt has {promptIds.Count} tokens; the model's context is {contextLimit}.");
        }

        var maxNew = Math.Min(options.MaxNewTokens, contextLimit - promptIds.Count);
        var sampler = new LogitsSampler(options);
        var decoder = new IncrementalDecoder(tokenizer, skipSpecialTokens: true);
        var matcher = new StopStringMatcher(options.StopStrings);
        var stopIds = options.StopTokenIds.ToHashSet();
        var history = new List<int>(promptIds);
        var completion = new List<int>();
        var unreported = new List<int>();
        var clock = Stopwatch.StartNew();
        var firstToken = TimeSpan.Zero;
        FinishReason? reason = null;

        // Speculative drafts are verified within the room left, so the cache never holds more than this.
        using var cache = model.NewCache(promptIds.Count + maxNew);
        var speculation = options.DraftTokens > 0
            ? new Speculation(new PromptLookupDrafter([.. options.ExpectedTexts.SelectMany(t => tokenizer.Encode(t))]), options.DraftTokens,
                argmaxOnly: options.IsGreedy && options.RepetitionPenalty == 1.0)
            : null;
        // Tokens decided but not yet emitted: one per plain step, or a verified draft and the model's next.
        var pending = new Queue<int>();
        pending.Enqueue(await PrefillAsync(promptIds, cache, sampler, history, cancellationToken).ConfigureAwait(false));
        // From its first decode step on, the stream counts as decoding, so shared steps wait for it.
        using var decoding = Batcher?.Decoding();
        while (true)
        {
            var next = pending.Dequeue();
            if (completion.Count == 0)
            {
                firstToken = clock.Elapsed;
            }

            if (stopIds.Contains(next))
            {
                reason = FinishReason.Stop;
                break;
            }

            completion.Add(next);
            history.Add(next);
            // A token whose text is held back (part of a UTF-8 character or of a possible stop
            // string) rides along with the next delta that has text.
            unreported.Add(next);
            var text = matcher.Push(decoder.Push(next));
            if (text.Length > 0)
            {
                yield return new TokenDelta(text, [.. unreported]);
                unreported.Clear();
            }

            if (matcher.Stopped)
            {
                reason = FinishReason.Stop;
                break;
            }

            if (completion.Count >= maxNew)
            {
                reason = FinishReason.Length;
                break;
            }

            if (cancellationToken.IsCancellationRequested)
            {
                reason = FinishReason.Cancelled;
                break;
            }

            if (pending.Count > 0)
            {
                continue;
            }

            var last = next;
            var room = Math.Min(maxNew - completion.Count, contextLimit - (int)cache.Length - 1);
            var decided = speculation is null ? null
                : await speculation.StepAsync(DecodeStepAsync, last, cache, sampler, history, room, Decodable).ConfigureAwait(false);
            decided ??= [await NextAsync(last, cache, sampler, history).ConfigureAwait(false)];
            foreach (var token in decided)
            {
                pending.Enqueue(token);
            }
        }

        if (!matcher.Stopped)
        {
            // Nothing is lost when generation ends without a stop string: flush both buffers.
            var tail = matcher.Push(decoder.Flush()) + matcher.Flush();
            if (tail.Length > 0 || unreported.Count > 0)
            {
                yield return new TokenDelta(tail, [.. unreported]);
            }
        }

        var decodeSeconds = (clock.Elapsed - firstToken).TotalSeconds;
        var tokensPerSecond = completion.Count > 1 && decodeSeconds > 0 ? (completion.Count - 1) / decodeSeconds : 0;
        yield return new GenerationSummary(reason ?? FinishReason.Stop, promptIds.Count, completion.Count, firstToken,
            tokensPerSecond, matcher.MatchedStopString, completion)
        {
            DraftedTokens = speculation?.Drafted ?? 0,
            AcceptedDraftTokens = speculation?.Accepted ?? 0,
        };
    }

    /// <summary>Runs the whole stream and returns the text and the summary.</summary>
    public Task<(string Text, GenerationSummary Summary)> GenerateAsync(IReadOnlyList<int> promptIds,
        SamplingOptions options, CancellationToken cancellationToken = default) =>
        GenerationEvents.CollectAsync(StreamAsync(promptIds, options, cancellationToken), cancellationToken);

    /// <summary>The prompt into the cache, in chunks where <see cref="PrefillChunkTokens"/> says so; the first token sampled.</summary>
    private async Task<int> PrefillAsync(IReadOnlyList<int> promptIds, KvCache cache, LogitsSampler sampler, List<int> history,
        CancellationToken cancellationToken)
    {
        var chunk = PrefillChunkTokens > 0 ? PrefillChunkTokens : promptIds.Count;
        var start = 0;
        for (; promptIds.Count - start > chunk; start += chunk)
        {
            var part = promptIds.Skip(start).Take(chunk).ToList();
            await Task.Run(() => Fill(part, cache), cancellationToken).ConfigureAwait(false);
            if (Batcher is { } batcher)
            {
                await batcher.NextStepAsync(cancellationToken).ConfigureAwait(false);
            }
        }

        var last = start == 0 ? promptIds : promptIds.Skip(start).ToList();
        return await Task.Run(() => Step(last, cache, sampler, history), cancellationToken).ConfigureAwait(false);
    }

    /// <summary>A chunk of the prompt into the cache; its logits are not needed.</summary>
    private void Fill(IReadOnlyList<int> ids, KvCache cache)
    {
        using var scope = NewDisposeScope();
        using var noGrad = no_grad();
        model.Model.Forward(tensor(ids.Select(i => (long)i).ToArray()).view(1, -1), cache, null);
    }

    private int Step(IReadOnlyList<int> ids, KvCache cache, LogitsSampler sampler, List<int> history)
    {
        using var scope = NewDisposeScope();
        using var noGrad = no_grad();
        var input = tensor(ids.Select(i => (long)i).ToArray()).view(1, -1);
        var logits = model.ForwardLast(input, cache);                                       // [1, V]
        return sampler.Next(Decodable(logits[0]), history);
    }

    /// <summary>The token after <paramref name="last"/>: in the batcher's next shared step where one is set, else on its own.</summary>
    private async Task<int> NextAsync(int last, KvCache cache, LogitsSampler sampler, List<int> history)
    {
        if (Batcher is { } batcher && await batcher.StepAsync(model, cache, [last]).ConfigureAwait(false) is { } logits)
        {
            // The shared step's logits were made on the batcher's thread, outside any scope here: freed here.
            using (logits)
            using (NewDisposeScope())
            {
                return sampler.Next(Decodable(logits[0]), history);
            }
        }

        return await Task.Run(() => Step([last], cache, sampler, history)).ConfigureAwait(false);
    }

    /// <summary>Logits [T, V] of a few tokens through the engine's own step (shared where a batcher is set), or null where it does not apply.</summary>
    private Task<Tensor?> DecodeStepAsync(long[] tokens, KvCache cache) => Batcher is { } batcher
        ? batcher.StepAsync(model, cache, tokens)
        : Task.Run(() =>
        {
            using var scope = NewDisposeScope();
            using var noGrad = no_grad();
            return model.ForwardStep(tensor(tokens).view(1, -1), cache)?.MoveToOuterDisposeScope();
        });

    // Embedding rows past the tokenizer (vocab padding) have no text: never pick them.
    private Tensor Decodable(Tensor logits) => logits.narrow(-1, 0, Math.Min(tokenizer.VocabSize, logits.shape[^1]));
}
