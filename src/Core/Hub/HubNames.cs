using System.Text.RegularExpressions;

namespace FineTuneMesh.Core.Hub;

/// <summary>
/// Checks every name that becomes part of a URL or a path: repo ids and revisions from the user,
/// commit shas and file names from the server. Anything that could leave the cache folder is refused.
/// </summary>
public static partial class HubNames
{
    public const int MaxRepoIdLength = 96;

    /// <summary>Throws <see cref="HubException"/> unless <paramref name="repoId"/> is "owner/name" with Hub-legal characters.</summary>
    public static (string Owner, string Name) ValidateRepoId(string repoId)
    {
        ArgumentNullException.ThrowIfNull(repoId);
        const string Rule = "expected 'owner/name' using letters, digits, '-', '_' and '.', e.g. 'Qwen/Qwen2.5-0.5B-Instruct'";
        if (repoId.Length == 0 || repoId.Length > MaxRepoIdLength)
        {
            throw Invalid($"invalid repo id '{repoId}': {Rule} (at most {MaxRepoIdLength} characters).");
        }

        var parts = repoId.Split('/');
        if (parts.Length != 2)
        {
            throw Invalid(Path.IsPathRooted(repoId) || repoId.Contains('\\')
                ? $"invalid repo id '{repoId}': that is a path; {Rule}."
                : $"invalid repo id '{repoId}': {Rule}.");
        }

        foreach (var part in parts)
        {
            if (!RepoPart().IsMatch(part) || part.Contains("..") || part.Contains("--"))
            {
                throw Invalid($"invalid repo id '{repoId}': '{part}' is not allowed ({Rule}; no '..' or '--', no leading or trailing '.' or '-').");
            }
        }

        return (parts[0], parts[1]);
    }

    /// <summary>A branch, tag or commit: letters, digits, '-', '_', '.', and '/' between segments, never '..'.</summary>
    public static void ValidateRevision(string revision)
    {
        ArgumentNullException.ThrowIfNull(revision);
        if (revision.Length == 0 || revision.Length > 255 || !RevisionChars().IsMatch(revision)
            || revision.StartsWith('/') || revision.EndsWith('/') || revision.Contains("//")
            || revision.Split('/').Any(s => s is "." or ".."))
        {
            throw Invalid($"invalid revision '{revision}': use a branch, tag or commit sha (letters, digits, '-', '_', '.', '/'; no '..').");
        }
    }

    public static bool IsCommitSha(string value) => CommitSha().IsMatch(value);

    internal static string ValidateCommitSha(string? sha, string repoId, string revision)
    {
        if (sha is null || !IsCommitSha(sha))
        {
            throw new HubException(HubErrorKind.Protocol,
                $"the Hub answered for {repoId}@{revision} with commit sha '{sha}', which is not a 40-64 digit hex string.");
        }

        return sha.ToLowerInvariant();
    }

    /// <summary>
    /// Throws unless a file name sent by the server is a relative path that stays inside its folder
    /// (no '..' segment, no absolute path, no backslash, drive letter or control character).
    /// </summary>
    public static void ValidateRepoFileName(string? fileName, string repoId)
    {
        if (string.IsNullOrEmpty(fileName) || fileName.Length > 1024
            || fileName.StartsWith('/') || fileName.Contains('\\') || fileName.Contains(':')
            || Path.IsPathRooted(fileName) || fileName.Any(char.IsControl)
            || fileName.Split('/').Any(s => s is "" or "." or ".."))
        {
            throw Invalid($"the Hub listed an unsafe file name '{fileName}' in {repoId}; refusing to write outside the snapshot folder.");
        }
    }

    private static HubException Invalid(string message) => new(HubErrorKind.InvalidName, message);

    [GeneratedRegex(@"^[A-Za-z0-9](?:[A-Za-z0-9._-]*[A-Za-z0-9])?$")]
    private static partial Regex RepoPart();

    [GeneratedRegex(@"^[A-Za-z0-9._/-]+$")]
    private static partial Regex RevisionChars();

    [GeneratedRegex("^[0-9a-fA-F]{40,64}$")]
    private static partial Regex CommitSha();
}
