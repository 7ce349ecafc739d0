namespace FineTuneMesh.Synth.Service.Tests.Loopback;

/// <summary>
/// What the loopback server answers to one call: model text (written in the wire format of the
/// route, streamed when the request asked to stream), an HTTP error with headers, or a raw body.
/// </summary>
public sealed record LoopbackReply(string? Text = null, int Status = 200, IReadOnlyDictionary<string, string>? Headers = null, string? RawBody = null)
{
    public static LoopbackReply Model(string text) => new(Text: text);

    public static LoopbackReply Error(int status, string body, params (string Name, string Value)[] headers) =>
        new(Status: status, RawBody: body, Headers: headers.ToDictionary(h => h.Name, h => h.Value));

    public static LoopbackReply Raw(string body) => new(RawBody: body);
}
