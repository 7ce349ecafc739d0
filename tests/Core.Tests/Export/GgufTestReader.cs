using System.Text;

namespace FineTuneMesh.Core.Tests.Export;

/// <summary>
/// An independent GGUF v3 reader for tests: metadata values become .NET values (arrays become
/// <c>object[]</c>), tensor infos keep ggml's reversed dims, and tensor bytes can be read back.
/// </summary>
public sealed class GgufTestReader
{
    private readonly byte[] _file;

    private GgufTestReader(byte[] file, uint version, Dictionary<string, object> metadata, List<GgufTensorInfo> tensors, long dataStart)
    {
        _file = file;
        Version = version;
        Metadata = metadata;
        Tensors = tensors;
        DataStart = dataStart;
    }

    public uint Version { get; }
    public IReadOnlyDictionary<string, object> Metadata { get; }
    public IReadOnlyList<GgufTensorInfo> Tensors { get; }
    public long DataStart { get; }
    public long FileLength => _file.LongLength;

    public static GgufTestReader Read(string path)
    {
        var file = File.ReadAllBytes(path);
        using var reader = new BinaryReader(new MemoryStream(file), Encoding.UTF8);
        var magic = Encoding.ASCII.GetString(reader.ReadBytes(4));
        if (magic != "GGUF")
        {
            throw new InvalidDataException($"{path}: magic '{magic}' is not GGUF.");
        }

        var version = reader.ReadUInt32();
        var tensorCount = reader.ReadUInt64();
        var kvCount = reader.ReadUInt64();
        var metadata = new Dictionary<string, object>();
        for (ulong i = 0; i < kvCount; i++)
        {
            var key = ReadString(reader);
            metadata.Add(key, ReadValue(reader, reader.ReadUInt32()));
        }

        var tensors = new List<GgufTensorInfo>();
        for (ulong i = 0; i < tensorCount; i++)
        {
            var name = ReadString(reader);
            var dims = new ulong[reader.ReadUInt32()];
            for (var d = 0; d < dims.Length; d++)
            {
                dims[d] = reader.ReadUInt64();
            }

            tensors.Add(new GgufTensorInfo(name, dims, reader.ReadUInt32(), reader.ReadUInt64()));
        }

        var alignment = metadata.TryGetValue("general.alignment", out var a) ? (uint)a : 32u;
        var position = reader.BaseStream.Position;
        var dataStart = (position + alignment - 1) / alignment * alignment;
        return new GgufTestReader(file, version, metadata, tensors, dataStart);
    }

    public GgufTensorInfo Tensor(string name) => Tensors.Single(t => t.Name == name);

    public byte[] TensorBytes(string name)
    {
        var info = Tensor(name);
        var elementSize = info.Type switch { 0 => 4, 1 or 30 => 2, _ => throw new NotSupportedException($"type {info.Type}") };
        var length = (long)info.Dims.Aggregate(1UL, (x, y) => x * y) * elementSize;
        return _file.AsSpan((int)(DataStart + (long)info.Offset), (int)length).ToArray();
    }

    private static string ReadString(BinaryReader reader) =>
        Encoding.UTF8.GetString(reader.ReadBytes(checked((int)reader.ReadUInt64())));

    private static object ReadValue(BinaryReader reader, uint type) => type switch
    {
        0 => reader.ReadByte(),
        1 => reader.ReadSByte(),
        2 => reader.ReadUInt16(),
        3 => reader.ReadInt16(),
        4 => reader.ReadUInt32(),
        5 => reader.ReadInt32(),
        6 => reader.ReadSingle(),
        7 => reader.ReadByte() != 0,
        8 => ReadString(reader),
        9 => ReadArray(reader),
        10 => reader.ReadUInt64(),
        11 => reader.ReadInt64(),
        12 => reader.ReadDouble(),
        _ => throw new InvalidDataException($"unknown GGUF value type {type}."),
    };

    private static object[] ReadArray(BinaryReader reader)
    {
        var elementType = reader.ReadUInt32();
        var values = new object[checked((int)reader.ReadUInt64())];
        for (var i = 0; i < values.Length; i++)
        {
            values[i] = ReadValue(reader, elementType);
        }

        return values;
    }
}
