namespace FineTuneMesh.Core.Export;

/// <summary>One metadata key-value pair; for arrays <see cref="ElementType"/> names the element type.</summary>
internal sealed record GgufMetadataEntry(string Key, GgufValueType Type, object Value, GgufValueType ElementType = GgufValueType.UInt8);
