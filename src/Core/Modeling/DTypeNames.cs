using static TorchSharp.torch;

namespace FineTuneMesh.Core.Modeling;

/// <summary>Converts between user-facing dtype names (fp32, bf16), config.json names and TorchSharp; "auto" is <see cref="ComputePlan"/>'s.</summary>
public static class DTypeNames
{
    public static ScalarType Parse(string name) => name.ToLowerInvariant() switch
    {
        "fp32" or "f32" or "float32" => ScalarType.Float32,
        "bf16" or "bfloat16" => ScalarType.BFloat16,
        "fp16" or "f16" or "float16" => ScalarType.Float16,
        _ => throw new ArgumentException($"unknown dtype '{name}'; use auto, fp32, bf16 or fp16."),
    };

    /// <summary>fp32, bf16 or fp16: the names users write.</summary>
    public static string ToUserName(ScalarType type) => type switch
    {
        ScalarType.Float32 => "fp32",
        ScalarType.BFloat16 => "bf16",
        ScalarType.Float16 => "fp16",
        _ => type.ToString(),
    };

    public static string ToConfigName(ScalarType type) => type switch
    {
        ScalarType.Float32 => "float32",
        ScalarType.BFloat16 => "bfloat16",
        ScalarType.Float16 => "float16",
        _ => throw new ArgumentException($"dtype {type} is not a model dtype."),
    };
}
