using FineTuneMesh.Core.Generation;
using FineTuneMesh.Prompts;

namespace FineTuneMesh.Core.Evaluation;

/// <summary>
/// Prompts the model with each record rendered through the template, stops on the template's end
/// marker (plus the caller's stop strings), and classifies every answer with <see cref="TemplateAdherence"/>.
/// A record that carries the completion field is also scored for exact match.
/// </summary>
public static class Evaluator
{
    public static async Task<EvaluationReport> RunAsync(LanguageModel model, PromptTemplate template,
        IEnumerable<IReadOnlyDictionary<string, string>> records, SamplingOptions options,
        CancellationToken cancellationToken = default)
    {
        var adherence = new TemplateAdherence(template);
        var stops = (template.StopString is { } marker ? [marker] : Array.Empty<string>()).Concat(options.StopStrings).Distinct().ToArray();
        var sampling = options with { StopStrings = stops };
        var examples = new List<EvaluationExample>();
        foreach (var record in records)
        {
            cancellationToken.ThrowIfCancellationRequested();
            var missing = template.Fields.Where(f => f != template.CompletionField && !record.ContainsKey(f)).ToList();
            if (missing.Count > 0)
            {
                throw new ArgumentException($"record {examples.Count + 1}: missing field(s) {string.Join(", ", missing)} that the template needs.");
            }

            var prompt = model.Tokenizer.Encode(template.RenderPrompt(record));
            var (text, summary) = await model.Generator.GenerateAsync(prompt, sampling, cancellationToken).ConfigureAwait(false);
            cancellationToken.ThrowIfCancellationRequested();
            var kind = adherence.Classify(text, summary);
            var answer = adherence.Answer(text);
            var expected = record.TryGetValue(template.CompletionField, out var value) ? value : null;
            var fields = record.Where(p => p.Key != template.CompletionField).ToDictionary(p => p.Key, p => p.Value);
            examples.Add(new EvaluationExample(fields, expected, text, answer, kind, summary.FinishReason,
                summary.CompletionTokens, expected is null ? null : kind == AdherenceClass.Adherent && answer == expected));
        }

        return EvaluationReport.From(examples);
    }
}
