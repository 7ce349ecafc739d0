using System.Text;

namespace FineTuneMesh.Core.Generation;

/// <summary>Helpers over a stream of <see cref="GenerationEvent"/>s, wherever it comes from.</summary>
public static class GenerationEvents
{
    /// <summary>Reads the whole stream: the text of every delta, and the closing summary.</summary>
    public static async Task<(string Text, GenerationSummary Summary)> CollectAsync(IAsyncEnumerable<GenerationEvent> events,
        CancellationToken cancellationToken = default)
    {
        var text = new StringBuilder();
        GenerationSummary? summary = null;
        await foreach (var item in events.WithCancellation(cancellationToken).ConfigureAwait(false))
        {
            switch (item)
            {
                case TokenDelta delta:
                    text.Append(delta.Text);
                    break;
                case GenerationSummary last:
                    summary = last;
                    break;
            }
        }

        return (text.ToString(), summary ?? throw new InvalidOperationException("the generation ended without a summary."));
    }
}
