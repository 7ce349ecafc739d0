using System.Text.RegularExpressions;

namespace FineTuneMesh.Mesh.Jobs;

/// <summary>
/// Job ids and adapter names become storage keys and routing-key words, so they are kept to
/// letters, digits, '-' and '_' (no dots, slashes or '..' tricks), at most 64 characters.
/// </summary>
public static partial class MeshNames
{
    public static bool IsValid(string? name) => name is not null && NamePattern().IsMatch(name);

    public static string Describe(string what, string? name) =>
        $"{what} '{name}' must be 1-64 letters, digits, '-' or '_', starting with a letter or digit.";

    [GeneratedRegex("^[A-Za-z0-9][A-Za-z0-9_-]{0,63}$")]
    private static partial Regex NamePattern();
}
