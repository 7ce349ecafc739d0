using System.Text;
using System.Text.RegularExpressions;

namespace FineTuneMesh.Prompts;

/// <summary>
/// A plain-text template with <c>{name}</c> placeholders, such as
/// <c>### You asked:\n{question}\n\n### The answer is:\n{answer}\n### DONE!</c>. The last
/// placeholder is the completion: the prompt is everything before it, and the fixed text after it
/// (here <c>\n### DONE!</c>) is the end marker the model must learn to write and stop at.
/// Literal braces are written <c>{{</c> and <c>}}</c>.
/// </summary>
public sealed partial class PromptTemplate
{
    private readonly List<(string Literal, string? Field)> _parts;

    private PromptTemplate(string text, List<(string Literal, string? Field)> parts)
    {
        Text = text;
        _parts = parts;
        Fields = [.. parts.Where(p => p.Field is not null).Select(p => p.Field!)];
        CompletionField = Fields[^1];
        EndMarker = parts[^1].Field is null ? parts[^1].Literal : "";
    }

    public string Text { get; }
    public IReadOnlyList<string> Fields { get; }
    public string CompletionField { get; }

    /// <summary>The literal text after the completion placeholder; generation stops on its trimmed form.</summary>
    public string EndMarker { get; }

    public static PromptTemplate Parse(string text)
    {
        var parts = new List<(string Literal, string? Field)>();
        var literal = new StringBuilder();
        var position = 0;
        while (position < text.Length)
        {
            if (text.AsSpan(position).StartsWith("{{") || text.AsSpan(position).StartsWith("}}"))
            {
                literal.Append(text[position]);
                position += 2;
                continue;
            }

            if (text[position] == '{')
            {
                var match = FieldPattern().Match(text, position);
                if (!match.Success || match.Index != position)
                {
                    throw new FormatException($"template: a '{{' at offset {position} does not start a {{name}} placeholder (write '{{{{' for a literal brace).");
                }

                parts.Add((literal.ToString(), match.Groups[1].Value));
                literal.Clear();
                position += match.Length;
                continue;
            }

            literal.Append(text[position++]);
        }

        parts.Add((literal.ToString(), null));
        if (parts.Count < 2)
        {
            throw new FormatException("template: it has no {placeholder}; it needs at least the completion field, e.g. {answer}.");
        }

        var names = parts.Where(p => p.Field is not null).Select(p => p.Field!).ToList();
        var duplicate = names.GroupBy(n => n).FirstOrDefault(g => g.Count() > 1);
        if (duplicate is not null)
        {
            throw new FormatException($"template: placeholder {{{duplicate.Key}}} appears more than once.");
        }

        return new PromptTemplate(text, parts);
    }

    /// <summary>The prompt: the template up to the completion placeholder, with the other fields filled.</summary>
    public string RenderPrompt(IReadOnlyDictionary<string, string> values) => Render(values, includeCompletion: false);

    /// <summary>The whole example: prompt, completion and end marker.</summary>
    public string RenderFull(IReadOnlyDictionary<string, string> values) => Render(values, includeCompletion: true);

    /// <summary>The stop string for generation: the end marker without surrounding white space.</summary>
    public string? StopString => string.IsNullOrWhiteSpace(EndMarker) ? null : EndMarker.Trim();

    private string Render(IReadOnlyDictionary<string, string> values, bool includeCompletion)
    {
        var text = new StringBuilder();
        foreach (var (literal, field) in _parts)
        {
            text.Append(literal);
            if (field is null)
            {
                break;
            }

            if (field == CompletionField && !includeCompletion)
            {
                break;
            }

            text.Append(values.TryGetValue(field, out var value) ? value
                : throw new ArgumentException($"template: no value for placeholder {{{field}}}."));
        }

        return text.ToString();
    }

    [GeneratedRegex(@"\{([A-Za-z_][A-Za-z0-9_]*)\}")]
    private static partial Regex FieldPattern();
}
