using TorchSharp;

namespace FineTuneMesh.Core.Checkpoints;

/// <summary>Maps safetensors dtype names to TorchSharp scalar types.</summary>
public static class SafetensorsDType
{
    private static readonly Dictionary<string, torch.ScalarType> _byName = new()
    {
        ["F32"] = torch.ScalarType.Float32,
        ["BF16"] = torch.ScalarType.BFloat16,
        ["F16"] = torch.ScalarType.Float16,
        ["F64"] = torch.ScalarType.Float64,
        ["I64"] = torch.ScalarType.Int64,
        ["I32"] = torch.ScalarType.Int32,
        ["I16"] = torch.ScalarType.Int16,
        ["I8"] = torch.ScalarType.Int8,
        ["U8"] = torch.ScalarType.Byte,
        ["BOOL"] = torch.ScalarType.Bool,
    };

    public static bool TryGet(string name, out torch.ScalarType type) => _byName.TryGetValue(name, out type);

    public static string NameOf(torch.ScalarType type) =>
        _byName.FirstOrDefault(p => p.Value == type).Key
        ?? throw new NotSupportedException($"dtype {type} cannot be written to safetensors.");

    public static int ElementSize(torch.ScalarType type) => type switch
    {
        torch.ScalarType.Float64 or torch.ScalarType.Int64 => 8,
        torch.ScalarType.Float32 or torch.ScalarType.Int32 => 4,
        torch.ScalarType.BFloat16 or torch.ScalarType.Float16 or torch.ScalarType.Int16 => 2,
        _ => 1,
    };
}
