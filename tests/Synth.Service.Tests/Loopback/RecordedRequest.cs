using System.Text.Json;

namespace FineTuneMesh.Synth.Service.Tests.Loopback;

/// <summary>A request the loopback server received: route, headers, JSON body and arrival time.</summary>
public sealed record RecordedRequest(string Path, IReadOnlyDictionary<string, string> Headers, JsonElement Body, DateTimeOffset At)
{
    public bool Stream => Body.TryGetProperty("stream", out var stream) && stream.ValueKind == JsonValueKind.True;

    /// <summary>The text of every message, for assertions on the prompt.</summary>
    public string PromptText => Body.TryGetProperty("messages", out var messages)
        ? string.Join("\n", messages.EnumerateArray().Select(m => Text(m.GetProperty("content"))))
        : "";

    private static string Text(JsonElement content) =>
        content.ValueKind == JsonValueKind.String ? content.GetString()! : content.GetRawText();
}
