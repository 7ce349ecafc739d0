using System.Text;
using System.Text.Json;

namespace FineTuneMesh.Synth.Service.Generation;

/// <summary>
/// Finds records in a model's reply whatever surrounds them: a JSON array, an object holding an
/// array (<c>{"examples": [...]}</c>), one object per line (JSONL), inside or outside ```
/// fences, with chatter before, between and after. A record is an object with at least one of the
/// template's fields; its string values are kept (trimmed), other values are skipped, so the
/// validator names what is missing.
/// </summary>
public static class RecordParser
{
    private static readonly JsonReaderOptions _readerOptions = new()
    {
        AllowTrailingCommas = true,
        CommentHandling = JsonCommentHandling.Skip,
    };

    public static ParsedReply Parse(string reply, IReadOnlyList<string> fields)
    {
        var records = new List<IReadOnlyDictionary<string, string>>();
        var unreadable = 0;
        var bytes = Encoding.UTF8.GetBytes(reply);
        var position = 0;
        while (position < bytes.Length)
        {
            var start = bytes.AsSpan(position).IndexOfAny((byte)'{', (byte)'[');
            if (start < 0)
            {
                break;
            }

            start += position;
            var reader = new Utf8JsonReader(bytes.AsSpan(start), _readerOptions);
            JsonDocument? document = null;
            try
            {
                JsonDocument.TryParseValue(ref reader, out document);
            }
            catch (JsonException)
            {
                document = null;
            }

            if (document is null)
            {
                // A '[' in prose ("[1]") is no failure; a broken '{' is a record we lost.
                if (bytes[start] == (byte)'{')
                {
                    unreadable++;
                }

                position = start + 1;
                continue;
            }

            using (document)
            {
                Collect(document.RootElement, fields, records);
            }

            position = start + (int)reader.BytesConsumed;
        }

        return new ParsedReply(records, unreadable);
    }

    private static void Collect(JsonElement element, IReadOnlyList<string> fields, List<IReadOnlyDictionary<string, string>> records)
    {
        switch (element.ValueKind)
        {
            case JsonValueKind.Array:
                foreach (var item in element.EnumerateArray())
                {
                    Collect(item, fields, records);
                }

                break;
            case JsonValueKind.Object:
                var values = new Dictionary<string, string>(StringComparer.Ordinal);
                var nested = new List<JsonElement>();
                foreach (var property in element.EnumerateObject())
                {
                    var field = fields.FirstOrDefault(f => string.Equals(f, property.Name, StringComparison.OrdinalIgnoreCase));
                    if (field is not null && property.Value.ValueKind == JsonValueKind.String)
                    {
                        values[field] = property.Value.GetString()!.Trim();
                    }
                    else if (field is null && property.Value.ValueKind is JsonValueKind.Array or JsonValueKind.Object)
                    {
                        nested.Add(property.Value);
                    }
                    else if (field is not null)
                    {
                        values[field] = "";
                    }
                }

                if (values.Count > 0)
                {
                    records.Add(values);
                }
                else
                {
                    foreach (var inner in nested)
                    {
                        Collect(inner, fields, records);
                    }
                }

                break;
        }
    }
}
