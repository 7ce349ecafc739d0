using static TorchSharp.torch;

namespace FineTuneMesh.Core.Export;

/// <summary>Element sizes and TorchSharp equivalents of <see cref="GgufTensorType"/>.</summary>
public static class GgufTensorTypes
{
    public static int ElementSize(GgufTensorType type) => type switch
    {
        GgufTensorType.F32 => 4,
        GgufTensorType.F16 or GgufTensorType.BF16 => 2,
        _ => throw new ArgumentOutOfRangeException(nameof(type), type, "unsupported GGUF tensor type."),
    };

    public static ScalarType ToScalarType(GgufTensorType type) => type switch
    {
        GgufTensorType.F32 => ScalarType.Float32,
        GgufTensorType.F16 => ScalarType.Float16,
        GgufTensorType.BF16 => ScalarType.BFloat16,
        _ => throw new ArgumentOutOfRangeException(nameof(type), type, "unsupported GGUF tensor type."),
    };

    /// <summary>llama.cpp's <c>general.file_type</c> (<c>llama_ftype</c>) for a model stored mostly in this type.</summary>
    public static uint FileType(GgufTensorType type) => type switch
    {
        GgufTensorType.F32 => 0,
        GgufTensorType.F16 => 1,
        GgufTensorType.BF16 => 32,
        _ => throw new ArgumentOutOfRangeException(nameof(type), type, "unsupported GGUF tensor type."),
    };
}
