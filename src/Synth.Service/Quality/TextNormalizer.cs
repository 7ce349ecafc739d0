using System.Text;

namespace FineTuneMesh.Synth.Service.Quality;

/// <summary>Text reduced for comparison: NFKC, lower case, punctuation and runs of white space to one space.</summary>
public static class TextNormalizer
{
    public static string Normalize(string text)
    {
        var builder = new StringBuilder(text.Length);
        var space = true;
        foreach (var c in text.Normalize(NormalizationForm.FormKC))
        {
            if (char.IsLetterOrDigit(c))
            {
                builder.Append(char.ToLowerInvariant(c));
                space = false;
            }
            else if (!space)
            {
                builder.Append(' ');
                space = true;
            }
        }

        return builder.ToString().TrimEnd();
    }

    public static string[] Words(string normalized) =>
        normalized.Split(' ', StringSplitOptions.RemoveEmptyEntries);
}
