using FineTuneMesh.Prompts;

namespace FineTuneMesh.Inference.Service.Models;

/// <summary>
/// The fixed text after the answer in the template an adapter was trained on (its manifest records
/// the template): the adapter's answers repeat it, so speculative decoding drafts it.
/// </summary>
public static class TemplateTail
{
    /// <summary>The template's tail as the texts to expect; empty without a template or with one that does not parse.</summary>
    public static IReadOnlyList<string> ExpectedTexts(string? template)
    {
        if (template is null)
        {
            return [];
        }

        try
        {
            return PromptTemplate.Parse(template).EndMarker is { Length: > 0 } tail ? [tail] : [];
        }
        catch (FormatException)
        {
            return [];
        }
    }
}
