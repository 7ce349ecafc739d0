using System.Text;
using System.Text.Json;
using System.Text.Json.Serialization;

namespace FineTuneMesh.Inference.Service.Apis.OpenAi;

/// <summary>
/// A chat message's <c>content</c>: a string, or an array of parts of which only
/// <c>{"type": "text", "text": "..."}</c> is supported (the texts are joined).
/// </summary>
public sealed class MessageContentConverter : JsonConverter<string>
{
    public override string? Read(ref Utf8JsonReader reader, Type typeToConvert, JsonSerializerOptions options)
    {
        switch (reader.TokenType)
        {
            case JsonTokenType.Null:
                return null;
            case JsonTokenType.String:
                return reader.GetString();
            case JsonTokenType.StartArray:
                var text = new StringBuilder();
                using (var parts = JsonDocument.ParseValue(ref reader))
                {
                    foreach (var part in parts.RootElement.EnumerateArray())
                    {
                        if (part.ValueKind != JsonValueKind.Object
                            || !part.TryGetProperty("type", out var type) || type.GetString() != "text"
                            || !part.TryGetProperty("text", out var partText) || partText.ValueKind != JsonValueKind.String)
                        {
                            throw new JsonException("only text content parts ({\"type\": \"text\", \"text\": \"...\"}) are supported.");
                        }

                        text.Append(partText.GetString());
                    }
                }

                return text.ToString();
            default:
                throw new JsonException("content must be a string or an array of text parts.");
        }
    }

    public override void Write(Utf8JsonWriter writer, string value, JsonSerializerOptions options) => writer.WriteStringValue(value);
}
