using System.Text.Json;

namespace FineTuneMesh.Core.Evaluation;

/// <summary>Reads a JSONL file of template records (<c>{"question": ..., "answer": ...}</c>), one object of strings per line.</summary>
public static class EvaluationRecords
{
    public static IReadOnlyList<IReadOnlyDictionary<string, string>> Read(string path)
    {
        if (!File.Exists(path))
        {
            throw new FileNotFoundException($"{path}: data file not found.", path);
        }

        var records = new List<IReadOnlyDictionary<string, string>>();
        var number = 0;
        foreach (var line in File.ReadLines(path))
        {
            number++;
            if (string.IsNullOrWhiteSpace(line))
            {
                continue;
            }

            JsonElement record;
            try
            {
                record = JsonDocument.Parse(line).RootElement;
            }
            catch (JsonException e)
            {
                throw new InvalidDataException($"{path}:{number}: not valid JSON ({e.Message}).", e);
            }

            if (record.ValueKind != JsonValueKind.Object)
            {
                throw new InvalidDataException($"{path}:{number}: each line must be a JSON object.");
            }

            records.Add(record.EnumerateObject().ToDictionary(p => p.Name, p => p.Value.ValueKind == JsonValueKind.String
                ? p.Value.GetString()!
                : throw new InvalidDataException($"{path}:{number}: field \"{p.Name}\" must be a string.")));
        }

        return records.Count > 0 ? records : throw new InvalidDataException($"{path}: no records.");
    }
}
