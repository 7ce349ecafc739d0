using DotNetEnv;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.Configuration.EnvironmentVariables;
using Microsoft.Extensions.Configuration.Memory;
using Sprache;

namespace FineTuneMesh.ServiceDefaults;

/// <summary>
/// Reads a <c>.env</c> file (parsed by DotNetEnv) into configuration, below the environment
/// variables, so that a real environment variable always wins over the file. DotNetEnv itself only
/// sets environment variables; the layering is what this adds.
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
    /// Parses .env text with DotNetEnv (its syntax: quotes, escapes, <c>export</c>, comments,
    /// <c>${VAR}</c> interpolation), touching no environment variable. Keys are mapped like
    /// environment variable names (<c>__</c> becomes <c>:</c>).
    /// </summary>
    /// <exception cref="FormatException">A line DotNetEnv cannot read, with its number.</exception>
    public static IReadOnlyDictionary<string, string> Parse(string text)
    {
        List<KeyValuePair<string, string>> pairs;
        try
        {
            pairs = [.. Env.LoadContents(text, Env.NoEnvVars())];
        }
        catch (ParseException e)
        {
            throw new FormatException($"{FileName} line {e.Position.Line}: {e.Message}", e);
        }

        var values = new Dictionary<string, string>(StringComparer.OrdinalIgnoreCase);
        foreach (var (key, value) in pairs)
        {
            values[key.Replace("__", ConfigurationPath.KeyDelimiter, StringComparison.Ordinal)] = value;
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
}
