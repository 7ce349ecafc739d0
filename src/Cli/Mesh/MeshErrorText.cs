using System.Text.Json;

namespace FineTuneMesh.Cli.Mesh;

/// <summary>
/// The message of an error body from any of the mesh's APIs: problem details (<c>detail</c>, and
/// validation <c>errors</c> by field), the trainer's <c>{"error", "errors": [...]}</c>, or the
/// OpenAI API's <c>{"error": {"message", "param"}}</c>. Anything else is shown as it came.
/// </summary>
public static class MeshErrorText
{
    public static string From(int status, string body)
    {
        try
        {
            using var document = JsonDocument.Parse(body);
            var root = document.RootElement;
            var parts = new List<string>();
            if (root.TryGetProperty("error", out var error))
            {
                if (error.ValueKind == JsonValueKind.String)
                {
                    parts.Add(error.GetString()!);
                }
                else if (error.ValueKind == JsonValueKind.Object && error.TryGetProperty("message", out var message))
                {
                    parts.Add(error.TryGetProperty("param", out var param) && param.ValueKind == JsonValueKind.String
                        ? $"{message.GetString()} (parameter: {param.GetString()})" : message.GetString()!);
                }
            }
            else if (root.TryGetProperty("detail", out var detail) && detail.ValueKind == JsonValueKind.String)
            {
                parts.Add(detail.GetString()!);
            }
            else if (root.TryGetProperty("title", out var title) && title.ValueKind == JsonValueKind.String)
            {
                parts.Add(title.GetString()!);
            }

            if (root.TryGetProperty("errors", out var errors))
            {
                parts.AddRange(errors.ValueKind switch
                {
                    JsonValueKind.Array => errors.EnumerateArray().Select(e => $"- {e}"),
                    JsonValueKind.Object => errors.EnumerateObject().SelectMany(field =>
                        field.Value.EnumerateArray().Select(e => $"- {field.Name}: {e}")),
                    _ => [],
                });
            }

            if (parts.Count > 0)
            {
                return $"{status}: {string.Join(Environment.NewLine, parts)}";
            }
        }
        catch (JsonException)
        {
            // Not JSON (a proxy's page, say): shown as it came.
        }

        return $"{status}: {(string.IsNullOrWhiteSpace(body) ? "(no body)" : body.Trim())}";
    }
}
