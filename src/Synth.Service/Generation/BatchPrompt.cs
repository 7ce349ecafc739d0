using System.Text;
using System.Text.Encodings.Web;
using System.Text.Json;
using FineTuneMesh.Prompts;
using FineTuneMesh.Synth.Service.Providers;

namespace FineTuneMesh.Synth.Service.Generation;

/// <summary>
/// The prompt for one batch: the template, the seed examples as JSON, a list of what was already
/// written (to steer away from repeats), and "write N variations" with the exact JSON shape asked
/// for. The JSON schema is what structured output enforces where the provider supports it.
/// </summary>
public static class BatchPrompt
{
    public const int MaxAvoidList = 30;

    private static readonly JsonSerializerOptions _json = new() { Encoder = JavaScriptEncoder.UnsafeRelaxedJsonEscaping };

    public static IReadOnlyList<PromptMessage> Build(PromptTemplate template, IReadOnlyList<IReadOnlyDictionary<string, string>> seeds,
        IReadOnlyList<IReadOnlyDictionary<string, string>> accepted, int count)
    {
        var fields = string.Join(", ", template.Fields.Select(f => $"\"{f}\""));
        var user = new StringBuilder();
        user.Append("Training examples for a language model follow this template, where each {field} is filled in:\n\n");
        user.Append("<template>\n").Append(template.Text).Append("\n</template>\n\n");
        user.Append("Here are examples, one JSON object per line with the fields ").Append(fields).Append(":\n\n");
        foreach (var seed in seeds)
        {
            user.Append(Json(template, seed)).Append('\n');
        }

        var first = template.Fields[0];
        var avoid = accepted.TakeLast(MaxAvoidList).Select(r => r.TryGetValue(first, out var v) ? v : null).OfType<string>().ToList();
        if (avoid.Count > 0)
        {
            user.Append("\nThese have been written already; do not repeat or rephrase them:\n");
            foreach (var item in avoid)
            {
                user.Append("- ").Append(OneLine(item)).Append('\n');
            }
        }

        user.Append($"\nWrite {count} new examples in the same style, length and difficulty as the examples above. ");
        user.Append("Each must be different from the examples and from each other, and correct. ");
        if (template.StopString is { } stop)
        {
            user.Append($"Do not put the template's headings or the end marker \"{stop}\" inside any field. ");
        }

        user.Append($"Reply with one JSON object {{\"examples\": [...]}} whose array holds {count} objects, each with exactly the string fields {fields}, and nothing else.");

        return
        [
            PromptMessage.System("You write high-quality, varied training data for fine-tuning language models. You reply with JSON only."),
            PromptMessage.User(user.ToString()),
        ];
    }

    /// <summary>{"examples": [{field: string, ...}]}, strict: every field required, nothing else allowed.</summary>
    public static JsonElement Schema(PromptTemplate template)
    {
        var record = new Dictionary<string, object>
        {
            ["type"] = "object",
            ["properties"] = template.Fields.ToDictionary(f => f, _ => new Dictionary<string, string> { ["type"] = "string" }),
            ["required"] = template.Fields,
            ["additionalProperties"] = false,
        };
        var root = new Dictionary<string, object>
        {
            ["type"] = "object",
            ["properties"] = new Dictionary<string, object> { ["examples"] = new Dictionary<string, object> { ["type"] = "array", ["items"] = record } },
            ["required"] = new[] { "examples" },
            ["additionalProperties"] = false,
        };
        return JsonSerializer.SerializeToElement(root);
    }

    public static string Json(PromptTemplate template, IReadOnlyDictionary<string, string> record) =>
        JsonSerializer.Serialize(template.Fields.ToDictionary(f => f, f => record.TryGetValue(f, out var v) ? v : ""), _json);

    private static string OneLine(string text)
    {
        var line = text.ReplaceLineEndings(" ");
        return line.Length <= 160 ? line : line[..160] + "...";
    }
}
