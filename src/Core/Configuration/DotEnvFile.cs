namespace FineTuneMesh.Core.Configuration;

/// <summary>
/// Reads the repository's <c>.env</c> (KEY=VALUE lines, # comments, optional quotes): the one
/// place where the base model and other settings are switched. Real environment variables win.
/// </summary>
public static class DotEnvFile
{
    public const string FileName = ".env";

    /// <summary>The nearest .env walking up from <paramref name="start"/>, or null.</summary>
    public static string? Find(string start)
    {
        for (var directory = new DirectoryInfo(start); directory is not null; directory = directory.Parent)
        {
            var candidate = Path.Combine(directory.FullName, FileName);
            if (File.Exists(candidate))
            {
                return candidate;
            }
        }

        return null;
    }

    public static Dictionary<string, string> Parse(string path)
    {
        var values = new Dictionary<string, string>(StringComparer.Ordinal);
        var number = 0;
        foreach (var raw in File.ReadLines(path))
        {
            number++;
            var line = raw.Trim();
            if (line.Length == 0 || line.StartsWith('#'))
            {
                continue;
            }

            if (line.StartsWith("export ", StringComparison.Ordinal))
            {
                line = line["export ".Length..].TrimStart();
            }

            var equals = line.IndexOf('=');
            if (equals <= 0)
            {
                throw new FormatException($"{path}:{number}: expected KEY=VALUE.");
            }

            var value = line[(equals + 1)..].Trim();
            if (value.Length >= 2 && (value[0] == '"' || value[0] == '\'') && value[^1] == value[0])
            {
                value = value[1..^1];
            }
            else if (value.IndexOf(" #", StringComparison.Ordinal) is var comment and >= 0)
            {
                value = value[..comment].TrimEnd();
            }

            values[line[..equals].Trim()] = value;
        }

        return values;
    }

    /// <summary>Sets each .env value as an environment variable unless one is already set.</summary>
    public static string? LoadIntoEnvironment(string start)
    {
        var path = Find(start);
        if (path is null)
        {
            return null;
        }

        foreach (var (key, value) in Parse(path))
        {
            if (Environment.GetEnvironmentVariable(key) is null)
            {
                Environment.SetEnvironmentVariable(key, value);
            }
        }

        return path;
    }
}
