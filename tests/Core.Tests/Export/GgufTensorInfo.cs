namespace FineTuneMesh.Core.Tests.Export;

/// <summary>A tensor entry as a GGUF file lists it: ggml dims (fastest first), type id, data offset.</summary>
public sealed record GgufTensorInfo(string Name, ulong[] Dims, uint Type, ulong Offset);
