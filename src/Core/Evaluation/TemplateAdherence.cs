using FineTuneMesh.Core.Generation;
using FineTuneMesh.Prompts;

namespace FineTuneMesh.Core.Evaluation;

/// <summary>
/// Classifies a completion against its template. For <c>...\n{answer}\n### DONE!</c> an adherent
/// completion stopped on <c>### DONE!</c>, and the text before it is a non-empty answer followed by
/// exactly what the template puts between the placeholder and the marker (here <c>\n</c>). A
/// section header of the template (<c>### You asked:</c>) inside the answer makes it malformed
/// whatever the finish reason: the model started a new example instead of ending this one.
/// </summary>
public sealed class TemplateAdherence
{
    private readonly PromptTemplate _template;
    private readonly string _separator;
    private readonly IReadOnlyList<string> _headers;

    public TemplateAdherence(PromptTemplate template)
    {
        _template = template;
        var stop = template.StopString;
        _separator = stop is null ? "" : template.EndMarker[..template.EndMarker.IndexOf(stop, StringComparison.Ordinal)];
        var skeleton = template.RenderPrompt(template.Fields.Where(f => f != template.CompletionField).ToDictionary(f => f, _ => ""));
        _headers = [.. skeleton.Split('\n').Select(l => l.Trim()).Where(l => l.Length > 0).Distinct()];
    }

    /// <summary>The template's literal lines before the completion, which an answer must not repeat.</summary>
    public IReadOnlyList<string> SectionHeaders => _headers;

    public AdherenceClass Classify(string text, GenerationSummary summary) =>
        Classify(text, summary.FinishReason, summary.MatchedStopString);

    /// <param name="text">The generated text, without the stop string (as <see cref="TextGenerator"/> streams it).</param>
    /// <param name="finishReason">Why generation ended.</param>
    /// <param name="matchedStopString">The stop string that ended it, if one did.</param>
    public AdherenceClass Classify(string text, FinishReason finishReason, string? matchedStopString)
    {
        if (_headers.Any(h => text.Contains(h, StringComparison.Ordinal)))
        {
            return AdherenceClass.Malformed;
        }

        if (finishReason == FinishReason.Length)
        {
            return AdherenceClass.RunOn;
        }

        if (finishReason != FinishReason.Stop)
        {
            return AdherenceClass.Malformed;
        }

        var stop = _template.StopString;
        var onMarker = stop is null ? matchedStopString is null : matchedStopString == stop;
        if (!onMarker || string.IsNullOrWhiteSpace(Answer(text)))
        {
            return AdherenceClass.EarlyStop;
        }

        return text.EndsWith(_separator, StringComparison.Ordinal) ? AdherenceClass.Adherent : AdherenceClass.Malformed;
    }

    /// <summary>The answer itself: the text without the template's separator before the end marker.</summary>
    public string Answer(string text) =>
        _separator.Length > 0 && text.EndsWith(_separator, StringComparison.Ordinal) ? text[..^_separator.Length] : text;
}
