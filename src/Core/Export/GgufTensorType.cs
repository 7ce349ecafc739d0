namespace FineTuneMesh.Core.Export;

/// <summary>Tensor element types this exporter writes; values are ggml's <c>ggml_type</c> ids.</summary>
public enum GgufTensorType : uint
{
    F32 = 0,
    F16 = 1,
    BF16 = 30,
}
