using System.Text;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.Configuration.EnvironmentVariables;
using Microsoft.Extensions.Configuration.Memory;

namespace FineTuneMesh.ServiceDefaults;

/// <summary>
/// Reads a <c>.env</c> file (KEY=VALUE lines, # comments, blank lines, optional single or double
/// quotes, an optional <c>export</c> prefix) into configuration, below the environment variables
/// so that a real environment variable always wins over the file.
/// </summary>
public static class DotEnvFile
{
    public const string FileName = ".env";

    /// <summary>
    /// The nearest <c>.env</c> walking up from each start directory in turn, or null when there is none.
    /// </summary>
    public static string? FindNearest(params IEnumerable<string?> startDirectories)
    {
        foreach (var start in startDirectories)
        {
            if (string.IsNullOrEmpty(start))
            {
                continue;
            }

            for (var directory = new DirectoryInfo(start); directory is not null; directory = directory.Parent)
            {
                var candidate = Path.Combine(directory.FullName, FileName);
                if (File.Exists(candidate))
                {
                    return candidate;
                }
            }
        }

        return null;
    }

    public static IReadOnlyDictionary<string, string> Read(string path) => Parse(File.ReadAllText(path));

    /// <summary>
    /// Parses .env text. Keys are mapped like environment variable names (<c>__</c> becomes <c>:</c>).
    /// </summary>
    /// <exception cref="FormatException">A line that is neither blank, a comment nor KEY=VALUE.</exception>
    public static IReadOnlyDictionary<string, string> Parse(string text)
    {
        var values = new Dictionary<string, string>(StringComparer.OrdinalIgnoreCase);
        var lineNumber = 0;
        foreach (var rawLine in text.ReplaceLineEndings("\n").Split('\n'))
        {
            lineNumber++;
            var line = rawLine.Trim();
            if (line.Length == 0 || line[0] == '#')
            {
                continue;
            }

            if (line.StartsWith("export ", StringComparison.Ordinal))
            {
                line = line["export ".Length..].TrimStart();
            }

            var equals = line.IndexOf('=');
            var key = equals > 0 ? line[..equals].Trim() : string.Empty;
            if (key.Length == 0 || key.Any(char.IsWhiteSpace))
            {
                throw new FormatException($"{FileName} line {lineNumber}: expected KEY=VALUE, found '{rawLine}'.");
            }

            values[key.Replace("__", ConfigurationPath.KeyDelimiter, StringComparison.Ordinal)] =
                ParseValue(line[(equals + 1)..].Trim(), lineNumber);
        }

        return values;
    }

    /// <summary>
    /// Adds the file's values just below the unprefixed environment variables source, so that the
    /// environment and the command line override the file while the file overrides appsettings.
    /// </summary>
    public static IConfigurationBuilder AddDotEnvFile(this IConfigurationBuilder configuration, string? path)
    {
        if (path is null || !File.Exists(path))
        {
            return configuration;
        }

        var source = new MemoryConfigurationSource
        {
            InitialData = Read(path).Select(pair => KeyValuePair.Create(pair.Key, (string?)pair.Value)),
        };
        var environmentIndex = -1;
        for (var i = 0; i < configuration.Sources.Count; i++)
        {
            if (configuration.Sources[i] is EnvironmentVariablesConfigurationSource { Prefix: null or "" })
            {
                environmentIndex = i;
                break;
            }
        }

        if (environmentIndex >= 0)
        {
            configuration.Sources.Insert(environmentIndex, source);
        }
        else
        {
            configuration.Sources.Insert(0, source);
        }

        return configuration;
    }

    private static string ParseValue(string value, int lineNumber)
    {
        if (value.Length > 0 && value[0] is '"' or '\'')
        {
            var quote = value[0];
            var close = value.IndexOf(quote, 1);
            while (quote == '"' && close > 0 && IsEscaped(value, close))
            {
                close = value.IndexOf(quote, close + 1);
            }

            if (close < 0)
            {
                throw new FormatException($"{FileName} line {lineNumber}: unterminated {quote} quote.");
            }

            var inner = value[1..close];
            return quote == '"' ? Unescape(inner) : inner;
        }

        // Unquoted: a # preceded by whitespace starts a comment.
        for (var i = 1; i < value.Length; i++)
        {
            if (value[i] == '#' && char.IsWhiteSpace(value[i - 1]))
            {
                return value[..i].TrimEnd();
            }
        }

        return value;
    }

    private static bool IsEscaped(string value, int index)
    {
        var backslashes = 0;
        for (var i = index - 1; i >= 0 && value[i] == '\\'; i--)
        {
            backslashes++;
        }

        return backslashes % 2 == 1;
    }

    private static string Unescape(string value)
    {
        if (!value.Contains('\\'))
        {
            return value;
        }

        var result = new StringBuilder(value.Length);
        for (var i = 0; i < value.Length; i++)
        {
            if (value[i] == '\\' && i + 1 < value.Length)
            {
                i++;
                result.Append(value[i] switch
                {
                    'n' => '\n',
                    't' => '\t',
                    'r' => '\r',
                    _ => value[i],
                });
            }
            else
            {
                result.Append(value[i]);
            }
        }

        return result.ToString();
    }
}
