using FineTuneMesh.Core.Generation;

namespace FineTuneMesh.Core.Tests.Generation;

public class TextGeneratorTests(TinyModelFolder tiny) : IClassFixture<TinyModelFolder>
{
    private static readonly SamplingOptions _greedy = new() { Temperature = 0, MaxNewTokens = 40 };

    private async Task<(List<TokenDelta> Deltas, GenerationSummary Summary)> Run(string prompt, SamplingOptions options,
        CancellationToken token = default)
    {
        var deltas = new List<TokenDelta>();
        GenerationSummary? summary = null;
        await foreach (var item in tiny.Model.Generator.StreamAsync(tiny.Model.Tokenizer.Encode(prompt), options, token))
        {
            if (item is TokenDelta d)
            {
                deltas.Add(d);
            }
            else
            {
                summary = (GenerationSummary)item;
            }
        }

        return (deltas, summary!);
    }

    [Fact]
    public async Task NothingIsLostWhenGenerationEndsOnLength()
    {
        var (deltas, summary) = await Run("The quick brown fox", _greedy);

        Assert.Equal(FinishReason.Length, summary.FinishReason);
        Assert.Equal(40, summary.CompletionTokens);
        Assert.Equal(tiny.Model.Tokenizer.Decode(summary.CompletionTokenIds, skipSpecialTokens: true),
            string.Concat(deltas.Select(d => d.Text)));
        Assert.Equal(summary.CompletionTokenIds, deltas.SelectMany(d => d.TokenIds));
    }

    [Fact]
    public async Task AStopStringSplitAcrossTokensEndsTheTextExactlyBeforeIt()
    {
        var (_, free) = await Run("def main():", _greedy);
        var ids = free.CompletionTokenIds;
        var tokenizer = tiny.Model.Tokenizer;
        var full = tokenizer.Decode(ids, skipSpecialTokens: true);
        // A stop string made of the end of one token and the start of the next one.
        var boundary = Enumerable.Range(3, ids.Count - 5)
            .First(i => tokenizer.Decode(ids.Take(i), true).Length is var n && n > 0 && n < full.Length - 1
                && !full[..(n - 1)].Contains(full.Substring(n - 1, 2), StringComparison.Ordinal));
        var cut = tokenizer.Decode(ids.Take(boundary), true).Length;
        var stop = full.Substring(cut - 1, 2);

        var (deltas, summary) = await Run("def main():", _greedy with { StopStrings = [stop] });

        Assert.Equal(FinishReason.Stop, summary.FinishReason);
        Assert.Equal(stop, summary.MatchedStopString);
        Assert.Equal(full[..(cut - 1)], string.Concat(deltas.Select(d => d.Text)));
    }

    [Fact]
    public async Task AStopTokenEndsGenerationAndIsNotEmitted()
    {
        var (_, free) = await Run("hello", _greedy);
        var stopId = free.CompletionTokenIds[5];
        var firstStop = free.CompletionTokenIds.ToList().IndexOf(stopId);

        var (deltas, summary) = await Run("hello", _greedy with { StopTokenIds = [stopId] });

        Assert.Equal(FinishReason.Stop, summary.FinishReason);
        Assert.Equal(firstStop, summary.CompletionTokens);
        Assert.Equal(tiny.Model.Tokenizer.Decode(free.CompletionTokenIds.Take(firstStop), true), string.Concat(deltas.Select(d => d.Text)));
    }

    [Fact]
    public async Task TheSameSeedGivesTheSameSampleAndAnotherSeedAnother()
    {
        var sampling = new SamplingOptions { Temperature = 1.0, TopP = 0.95, MaxNewTokens = 30, Seed = 5 };
        var (_, a) = await Run("Once", sampling);
        var (_, b) = await Run("Once", sampling);
        var (_, c) = await Run("Once", sampling with { Seed = 6 });

        Assert.Equal(a.CompletionTokenIds, b.CompletionTokenIds);
        Assert.NotEqual(a.CompletionTokenIds, c.CompletionTokenIds);
    }

    [Fact]
    public async Task CancellationStopsTheStreamPromptly()
    {
        using var cancellation = new CancellationTokenSource();
        var count = 0;
        GenerationSummary? summary = null;
        await foreach (var item in tiny.Model.Generator.StreamAsync(tiny.Model.Tokenizer.Encode("x"),
            _greedy with { MaxNewTokens = 1000 }, cancellation.Token))
        {
            if (item is GenerationSummary s)
            {
                summary = s;
            }
            else if (++count == 3)
            {
                cancellation.Cancel();
            }
        }

        Assert.Equal(FinishReason.Cancelled, summary!.FinishReason);
        Assert.True(summary.CompletionTokens <= 4, $"{summary.CompletionTokens} tokens after cancelling at 3");
    }

    [Fact]
    public async Task BadSettingsAndOversizePromptsAreRefusedClearly()
    {
        var badTopP = await Assert.ThrowsAsync<ArgumentException>(() => Run("x", _greedy with { TopP = 0 }));
        Assert.Contains("top_p", badTopP.Message);

        var longPrompt = string.Concat(Enumerable.Repeat("word ", 3000));
        var tooLong = await Assert.ThrowsAsync<ArgumentException>(() => Run(longPrompt, _greedy));
        Assert.Contains("context", tooLong.Message);
    }
}
