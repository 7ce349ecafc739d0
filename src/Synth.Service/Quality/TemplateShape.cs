using FineTuneMesh.Prompts;

namespace FineTuneMesh.Synth.Service.Quality;

/// <summary>
/// A template's fixed text: the literal between each pair of fields (found by rendering unique
/// sentinels through <see cref="PromptTemplate"/>, so escaping is the template's own), and the
/// marker lines (headers and the end marker) that must never appear inside a value.
/// </summary>
public sealed class TemplateShape
{
    private TemplateShape(PromptTemplate template, IReadOnlyList<string> literals)
    {
        Template = template;
        Literals = literals;
        Markers = [.. literals
            .SelectMany(l => l.Split('\n'))
            .Select(l => l.Trim())
            .Where(l => l.Length > 0)
            .Distinct(StringComparer.Ordinal)];
    }

    public PromptTemplate Template { get; }

    /// <summary>Literals[i] precedes Fields[i]; the last one follows the last field (the end marker).</summary>
    public IReadOnlyList<string> Literals { get; }

    public IReadOnlyList<string> Markers { get; }

    public static TemplateShape Of(PromptTemplate template)
    {
        var sentinels = template.Fields.ToDictionary(f => f, f => $"\u0001{f}\u0001");
        var rendered = template.RenderFull(sentinels);
        var literals = new List<string>();
        var position = 0;
        foreach (var field in template.Fields)
        {
            var at = rendered.IndexOf(sentinels[field], position, StringComparison.Ordinal);
            literals.Add(rendered[position..at]);
            position = at + sentinels[field].Length;
        }

        literals.Add(rendered[position..]);
        return new TemplateShape(template, literals);
    }

    /// <summary>
    /// Reads rendered text back into fields by finding each literal in turn; null when the text
    /// does not have the template's sections in order.
    /// </summary>
    public Dictionary<string, string>? ReadBack(string rendered)
    {
        if (!rendered.StartsWith(Literals[0], StringComparison.Ordinal))
        {
            return null;
        }

        var values = new Dictionary<string, string>(StringComparer.Ordinal);
        var position = Literals[0].Length;
        for (var i = 0; i < Template.Fields.Count; i++)
        {
            var next = Literals[i + 1];
            int end;
            if (i == Template.Fields.Count - 1)
            {
                end = next.Length == 0 ? rendered.Length : rendered.LastIndexOf(next, StringComparison.Ordinal);
                if (end < position || end + next.Length != rendered.Length)
                {
                    return null;
                }
            }
            else
            {
                end = next.Length == 0 ? position : rendered.IndexOf(next, position, StringComparison.Ordinal);
                if (end < 0)
                {
                    return null;
                }
            }

            values[Template.Fields[i]] = rendered[position..end];
            position = end + next.Length;
        }

        return values;
    }
}
