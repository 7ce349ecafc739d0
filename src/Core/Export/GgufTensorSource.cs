namespace FineTuneMesh.Core.Export;

/// <summary>
/// A tensor waiting to be written: its shape in torch order (outermost first), its stored type,
/// and a callback that writes exactly its bytes when the data section is reached.
/// </summary>
internal sealed record GgufTensorSource(string Name, long[] Shape, GgufTensorType Type, Action<Stream> WriteData)
{
    public long ByteCount => Shape.Aggregate(1L, (a, b) => a * b) * GgufTensorTypes.ElementSize(Type);
}
