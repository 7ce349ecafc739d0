using static TorchSharp.torch;

namespace FineTuneMesh.Core.Modeling;

/// <summary>
/// Converts between user-facing dtype names (fp32, bf16, q8_0), config.json names and TorchSharp;
/// "auto" is <see cref="ComputePlan"/>'s. q8_0 (int8 blocks of 32 with one scale each) is a
/// weight format the engine quantizes to at load; it travels as <see cref="ScalarType.Int8"/>.
/// </summary>
public static class DTypeNames
{
    public static ScalarType Parse(string name) => name.ToLowerInvariant() switch
    {
        "fp32" or "f32" or "float32" => ScalarType.Float32,
        "bf16" or "bfloat16" => ScalarType.BFloat16,
        "fp16" or "f16" or "float16" => ScalarType.Float16,
        "q8_0" or "q8" or "int8" => ScalarType.Int8,
        _ => throw new ArgumentException($"unknown dtype '{name}'; use auto, fp32, bf16 or fp16, or q8_0 (int8 weights) to generate."),
    };

    /// <summary>fp32, bf16 or fp16: the names users write.</summary>
    public static string ToUserName(ScalarType type) => type switch
    {
        ScalarType.Float32 => "fp32",
        ScalarType.BFloat16 => "bf16",
        ScalarType.Float16 => "fp16",
        ScalarType.Int8 => "q8_0",
        _ => type.ToString(),
    };

    /// <summary>What norms and biases are kept in when matrices are stored as <paramref name="weights"/>: q8_0 keeps them fp32.</summary>
    public static ScalarType VectorDType(ScalarType weights) => weights == ScalarType.Int8 ? ScalarType.Float32 : weights;

    public static string ToConfigName(ScalarType type) => type switch
    {
        ScalarType.Float32 => "float32",
        ScalarType.BFloat16 => "bfloat16",
        ScalarType.Float16 => "float16",
        // Not a checkpoint dtype (nothing is saved as q8_0): the name of the format a model was loaded in.
        ScalarType.Int8 => "q8_0",
        _ => throw new ArgumentException($"dtype {type} is not a model dtype."),
    };
}
