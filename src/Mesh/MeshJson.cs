using System.Text.Json;
using System.Text.Json.Serialization;

namespace FineTuneMesh.Mesh;

/// <summary>
/// The one JSON shape of the mesh's contracts (REST bodies, queue messages, stored records):
/// camelCase names, enums as camelCase strings, nulls left out.
/// </summary>
public static class MeshJson
{
    public static JsonSerializerOptions Options { get; } = Create();

    public static byte[] Serialize<T>(T value) => JsonSerializer.SerializeToUtf8Bytes(value, Options);

    public static T? Deserialize<T>(ReadOnlySpan<byte> json) => JsonSerializer.Deserialize<T>(json, Options);

    /// <summary>Makes <paramref name="options"/> (e.g. ASP.NET's) write the mesh's shape.</summary>
    public static void Apply(JsonSerializerOptions options)
    {
        options.PropertyNamingPolicy = JsonNamingPolicy.CamelCase;
        options.DefaultIgnoreCondition = JsonIgnoreCondition.WhenWritingNull;
        options.Converters.Add(new JsonStringEnumConverter(JsonNamingPolicy.CamelCase));
    }

    private static JsonSerializerOptions Create()
    {
        var options = new JsonSerializerOptions(JsonSerializerDefaults.Web);
        Apply(options);
        return options;
    }
}
