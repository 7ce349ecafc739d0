using System.Text.Json;

namespace FineTuneMesh.Core.Data;

/// <summary>
/// Reads JSONL files of objects, one per line (blank lines skipped), where every error names the
/// file and line. Shared by the training data reader and the evaluator's record reader.
/// </summary>
public static class JsonLines
{
    /// <summary>Each object with its "path:line" source; a file with none is an error.</summary>
    public static IEnumerable<(string Source, JsonElement Record)> ReadObjects(string path)
    {
        if (!File.Exists(path))
        {
            throw new FileNotFoundException($"{path}: data file not found.", path);
        }

        var number = 0;
        var any = false;
        foreach (var line in File.ReadLines(path))
        {
            number++;
            if (string.IsNullOrWhiteSpace(line))
            {
                continue;
            }

            var source = $"{path}:{number}";
            JsonElement record;
            try
            {
                record = JsonDocument.Parse(line).RootElement;
            }
            catch (JsonException e)
            {
                throw new InvalidDataException($"{source}: not valid JSON ({e.Message}).", e);
            }

            if (record.ValueKind != JsonValueKind.Object)
            {
                throw new InvalidDataException($"{source}: each line must be a JSON object.");
            }

            any = true;
            yield return (source, record);
        }

        if (!any)
        {
            throw new InvalidDataException($"{path}: no records.");
        }
    }

    /// <summary>The object's fields as strings; any other value is an error naming the field.</summary>
    public static Dictionary<string, string> StringFields(JsonElement record, string source) =>
        record.EnumerateObject().ToDictionary(p => p.Name, p => p.Value.ValueKind == JsonValueKind.String
            ? p.Value.GetString()!
            : throw new InvalidDataException($"{source}: field \"{p.Name}\" must be a string."));
}
