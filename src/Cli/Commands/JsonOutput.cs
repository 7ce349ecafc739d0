using System.Text.Encodings.Web;
using System.Text.Json;

namespace FineTuneMesh.Cli.Commands;

/// <summary>One JSON object per command on stdout, with snake_case names, for scripts.</summary>
public static class JsonOutput
{
    private static readonly JsonSerializerOptions _options = new()
    {
        PropertyNamingPolicy = JsonNamingPolicy.SnakeCaseLower,
        Encoder = JavaScriptEncoder.UnsafeRelaxedJsonEscaping,
    };

    public static void Write<T>(T value) => Console.Out.WriteLine(JsonSerializer.Serialize(value, _options));
}
