using System.Text.RegularExpressions;
using FineTuneMesh.ServiceDefaults;
using Microsoft.Extensions.Configuration;

namespace FineTuneMesh.BaseModels;

/// <summary>
/// The folders an operator made available for remote callers to name models in
/// (FINETUNE_MODEL_ROOTS, separated by ':' or ';', empty by default). A caller names a model
/// inside a root by a relative name ("support-base" or "team/support-base"), never by a path:
/// the name is checked before it touches the disk, and the folder it resolves to must lie inside
/// the root.
/// </summary>
public static partial class ModelRoots
{
    public static IReadOnlyList<string> From(IConfiguration configuration) =>
        (configuration[FineTuneSettings.ModelRoots] ?? "")
            .Split([':', ';'], StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries)
            .Select(root => Path.TrimEndingDirectorySeparator(Path.GetFullPath(root)))
            .ToArray();

    /// <summary>
    /// True for a name a caller may send: one to three segments of letters, digits, '.', '_' and
    /// '-' separated by '/', each starting with a letter or digit (so no '..', no absolute or home
    /// paths, no backslashes), with an optional '@revision'.
    /// </summary>
    public static bool IsModelName(string name) => name.Length <= 200 && NamePattern().IsMatch(name) && !name.Contains("..", StringComparison.Ordinal);

    /// <summary>A branch, tag or commit a caller may send beside a model name.</summary>
    public static bool IsRevision(string revision) => revision.Length <= 100 && RevisionPattern().IsMatch(revision) && !revision.Contains("..", StringComparison.Ordinal);

    /// <summary>The model folder <paramref name="name"/> names under one of <paramref name="roots"/>, or null.</summary>
    public static string? Find(IReadOnlyList<string> roots, string name)
    {
        if (!IsModelName(name) || name.Contains('@'))
        {
            return null;
        }

        foreach (var root in roots)
        {
            var folder = Path.GetFullPath(Path.Combine(root, name));
            var inside = folder.StartsWith(root + Path.DirectorySeparatorChar, StringComparison.Ordinal);
            if (inside && File.Exists(Path.Combine(folder, "config.json")))
            {
                return folder;
            }
        }

        return null;
    }

    [GeneratedRegex("^[A-Za-z0-9][A-Za-z0-9._-]*(/[A-Za-z0-9][A-Za-z0-9._-]*){0,2}(@[A-Za-z0-9][A-Za-z0-9._/-]*)?$")]
    private static partial Regex NamePattern();

    [GeneratedRegex("^[A-Za-z0-9][A-Za-z0-9._/-]*$")]
    private static partial Regex RevisionPattern();
}
