using System.Globalization;
using System.Text.RegularExpressions;
using FineTuneMesh.Mesh.Jobs;

namespace FineTuneMesh.Mesh.Adapters;

/// <summary>
/// How a request names an adapter: <c>name</c> (its newest version), <c>name:v3</c> (that version)
/// or <c>name:production</c> (whatever version the alias points at when the request starts).
/// </summary>
public sealed partial record AdapterReference(string Name, int? Version, string? Alias)
{
    public static bool IsValidAlias(string? alias) => alias is not null && AliasPattern().IsMatch(alias) && !VersionPattern().IsMatch(alias);

    public static string DescribeAlias(string? alias) =>
        $"alias '{alias}' must be 1-64 letters, digits, '-' or '_', starting with a letter, and not of the form v<number> (those name versions).";

    /// <summary>The reference, or null when the text is none of the three forms.</summary>
    public static AdapterReference? TryParse(string? text)
    {
        if (text is null)
        {
            return null;
        }

        var colon = text.IndexOf(':', StringComparison.Ordinal);
        var name = colon < 0 ? text : text[..colon];
        if (!MeshNames.IsValid(name))
        {
            return null;
        }

        if (colon < 0)
        {
            return new AdapterReference(name, null, null);
        }

        var suffix = text[(colon + 1)..];
        return VersionPattern().IsMatch(suffix) ? new AdapterReference(name, int.Parse(suffix[1..], CultureInfo.InvariantCulture), null)
            : IsValidAlias(suffix) ? new AdapterReference(name, null, suffix)
            : null;
    }

    public override string ToString() => Version is { } v ? $"{Name}:v{v}" : Alias is { } a ? $"{Name}:{a}" : Name;

    [GeneratedRegex("^[A-Za-z][A-Za-z0-9_-]{0,63}$")]
    private static partial Regex AliasPattern();

    [GeneratedRegex("^v[0-9]{1,9}$")]
    private static partial Regex VersionPattern();
}
