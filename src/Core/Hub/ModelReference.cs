namespace FineTuneMesh.Core.Hub;

/// <summary>A Hub model named as "owner/name[@revision]"; the revision defaults to "main".</summary>
public sealed record ModelReference(string RepoId, string Revision)
{
    public const string DefaultRevision = "main";

    /// <summary>
    /// True when <paramref name="value"/> names a folder on this machine rather than a Hub repo:
    /// an existing directory, or anything written as a path (absolute, "./", "../", "~", backslashes).
    /// </summary>
    public static bool IsLocalFolder(string value)
    {
        ArgumentNullException.ThrowIfNull(value);
        return Directory.Exists(value)
            || Path.IsPathRooted(value)
            || value.StartsWith("./", StringComparison.Ordinal) || value.StartsWith("../", StringComparison.Ordinal)
            || value is "." or ".." or "~" || value.StartsWith("~/", StringComparison.Ordinal)
            || value.Contains('\\');
    }

    /// <summary>Parses "owner/name" or "owner/name@revision"; throws <see cref="HubException"/> when malformed.</summary>
    public static ModelReference Parse(string value)
    {
        ArgumentNullException.ThrowIfNull(value);
        var at = value.IndexOf('@');
        var repoId = at < 0 ? value : value[..at];
        var revision = at < 0 ? DefaultRevision : value[(at + 1)..];
        HubNames.ValidateRepoId(repoId);
        HubNames.ValidateRevision(revision);
        return new ModelReference(repoId, revision);
    }

    public static bool TryParse(string value, out ModelReference? reference)
    {
        try
        {
            reference = Parse(value);
            return true;
        }
        catch (HubException)
        {
            reference = null;
            return false;
        }
    }

    public override string ToString() => $"{RepoId}@{Revision}";
}
