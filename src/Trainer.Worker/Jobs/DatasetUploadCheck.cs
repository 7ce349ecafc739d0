using System.Text;
using System.Text.Json;

namespace FineTuneMesh.Trainer.Worker.Jobs;

/// <summary>
/// What can be known about an uploaded dataset before any job names it: UTF-8 JSON lines, each an
/// object in one of the shapes the trainer reads ({"prompt","completion"} strings, {"messages":[...]}
/// or a template record). Whether the records fit a template and a model's context is
/// checked when a job uses them, against that job's settings.
/// </summary>
public static class DatasetUploadCheck
{
    /// <summary>Null when every line is a record; otherwise the first problem, naming the line.</summary>
    /// <summary>How many records (non-blank lines) a dataset that passed <see cref="FirstProblem"/> holds.</summary>
    public static int RecordCount(byte[] bytes) =>
        Encoding.UTF8.GetString(bytes).Split('\n').Count(line => !string.IsNullOrWhiteSpace(line.TrimStart('\uFEFF')));

    public static string? FirstProblem(byte[] bytes)
    {
        string text;
        try
        {
            text = new UTF8Encoding(encoderShouldEmitUTF8Identifier: false, throwOnInvalidBytes: true).GetString(bytes);
        }
        catch (DecoderFallbackException)
        {
            return "the dataset is not UTF-8 text; send JSONL, one JSON object per line.";
        }

        var lines = text.TrimStart('\uFEFF').Split('\n');
        var records = 0;
        for (var i = 0; i < lines.Length; i++)
        {
            var line = lines[i].TrimEnd('\r');
            if (string.IsNullOrWhiteSpace(line))
            {
                continue;
            }

            if (RecordProblem(line) is { } problem)
            {
                return $"line {i + 1}: {problem}";
            }

            records++;
        }

        return records == 0 ? "the dataset has no records; send JSONL, one JSON object per line." : null;
    }

    private static string? RecordProblem(string line)
    {
        JsonDocument document;
        try
        {
            document = JsonDocument.Parse(line);
        }
        catch (JsonException e)
        {
            return $"not valid JSON ({e.Message.Split(" Path:")[0].Split(" LineNumber:")[0].TrimEnd('.')}); each line must be one JSON object.";
        }

        using (document)
        {
            var root = document.RootElement;
            if (root.ValueKind != JsonValueKind.Object)
            {
                return $"a JSON {root.ValueKind.ToString().ToLowerInvariant()}, not an object; each line must be one record object.";
            }

            if (root.TryGetProperty("messages", out var messages))
            {
                return messages.ValueKind == JsonValueKind.Array && messages.GetArrayLength() > 0
                    && messages.EnumerateArray().All(m => m.ValueKind == JsonValueKind.Object
                        && m.TryGetProperty("role", out var role) && role.ValueKind == JsonValueKind.String
                        && m.TryGetProperty("content", out var content) && content.ValueKind == JsonValueKind.String)
                    ? null
                    : "\"messages\" must be a non-empty array of {\"role\", \"content\"} string objects.";
            }

            var fields = root.EnumerateObject().ToList();
            if (fields.Count == 0)
            {
                return "an empty object; a record needs fields such as \"prompt\" and \"completion\".";
            }

            foreach (var field in fields)
            {
                if (field.Name is "prompt" or "completion" && field.Value.ValueKind != JsonValueKind.String)
                {
                    return $"field \"{field.Name}\" is a {field.Value.ValueKind.ToString().ToLowerInvariant()}; it must be a string.";
                }
            }

            return null;
        }
    }
}
