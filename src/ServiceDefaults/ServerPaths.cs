using System.Text.RegularExpressions;

namespace FineTuneMesh.ServiceDefaults;

/// <summary>
/// Keeps this machine's paths out of what a caller reads. Engine and file-system messages name
/// the files they failed on ("/srv/models/x/tokenizer.json: ..."); before such a message goes
/// into a response or a job record, every absolute path in it is cut to its last segment, which
/// still says what is wrong ("tokenizer.json: ...") without telling where the server keeps it.
/// API routes named in our own hints ("/api/...", "/v1/...") are not paths and stay.
/// </summary>
public static partial class ServerPaths
{
    public static string Redact(string message) =>
        string.IsNullOrEmpty(message) ? message : AbsolutePath().Replace(message, match =>
        {
            var path = match.Value.TrimEnd('.', ',', ':', ';', '!', '?');
            var trailing = match.Value[path.Length..];
            var last = Path.GetFileName(path.TrimEnd('/'));
            return (last.Length == 0 ? "(server path)" : last) + trailing;
        });

    // A '/' (or '~/') at the start of a word, followed by at least one more segment.
    [GeneratedRegex(@"(?<![\w.:/~-])~?/(?!api/|v1/|health\b|alive\b)[^\s'""`()\[\]{}<>|/]+(?:/[^\s'""`()\[\]{}<>|/]*)+")]
    private static partial Regex AbsolutePath();
}
