using System.Text;

namespace FineTuneMesh.Core.Export;

/// <summary>
/// Writes a GGUF v3 file (little-endian): header, typed metadata, tensor infos, then tensor data,
/// each tensor aligned to <see cref="Alignment"/> bytes. Shapes are given in torch order
/// (<c>[out, in]</c>) and written reversed, as ggml's <c>ne</c> lists the fastest dimension first.
/// Tensor bytes are produced by callbacks at write time, so a model is never held whole in memory.
/// </summary>
public sealed class GgufWriter
{
    public const uint Magic = 0x46554747; // "GGUF" read as a little-endian uint32
    public const uint Version = 3;
    public const uint Alignment = 32;
    public const string AlignmentKey = "general.alignment";

    private readonly List<GgufMetadataEntry> _metadata = [];
    private readonly List<GgufTensorSource> _tensors = [];
    private readonly HashSet<string> _keys = [];
    private readonly HashSet<string> _tensorNames = [];

    public GgufWriter() => AddUInt32(AlignmentKey, Alignment);

    public void AddString(string key, string value) => Add(key, GgufValueType.String, value);
    public void AddUInt32(string key, uint value) => Add(key, GgufValueType.UInt32, value);
    public void AddInt32(string key, int value) => Add(key, GgufValueType.Int32, value);
    public void AddUInt64(string key, ulong value) => Add(key, GgufValueType.UInt64, value);
    public void AddFloat32(string key, float value) => Add(key, GgufValueType.Float32, value);
    public void AddBool(string key, bool value) => Add(key, GgufValueType.Bool, value);

    public void AddStringArray(string key, IReadOnlyList<string> values) =>
        Add(key, GgufValueType.Array, values.ToArray(), GgufValueType.String);

    public void AddInt32Array(string key, IReadOnlyList<int> values) =>
        Add(key, GgufValueType.Array, values.ToArray(), GgufValueType.Int32);

    public void AddFloat32Array(string key, IReadOnlyList<float> values) =>
        Add(key, GgufValueType.Array, values.ToArray(), GgufValueType.Float32);

    /// <param name="name">the GGUF tensor name (at most 63 bytes, as ggml requires)</param>
    /// <param name="shape">torch order, outermost first: a linear weight is <c>[out, in]</c></param>
    /// <param name="type">the stored element type</param>
    /// <param name="writeData">writes exactly the tensor's bytes, row-major, in <paramref name="type"/></param>
    public void AddTensor(string name, IReadOnlyList<long> shape, GgufTensorType type, Action<Stream> writeData)
    {
        if (Encoding.UTF8.GetByteCount(name) >= 64)
        {
            throw new ArgumentException($"GGUF tensor name '{name}' is longer than ggml's 63-byte limit.", nameof(name));
        }

        if (shape.Count is 0 or > 4 || shape.Any(d => d <= 0))
        {
            throw new ArgumentException($"GGUF tensor '{name}' has unsupported shape [{string.Join(",", shape)}].", nameof(shape));
        }

        if (!_tensorNames.Add(name))
        {
            throw new ArgumentException($"GGUF tensor '{name}' was added twice.", nameof(name));
        }

        _tensors.Add(new GgufTensorSource(name, [.. shape], type, writeData));
    }

    public void Write(string path)
    {
        var directory = Path.GetDirectoryName(Path.GetFullPath(path));
        if (directory is not null)
        {
            Directory.CreateDirectory(directory);
        }

        using var stream = new FileStream(path, FileMode.Create, FileAccess.Write, FileShare.None, 1 << 20);
        Write(stream, path);
    }

    /// <summary>Writes to a seekable stream positioned at the start of the file.</summary>
    public void Write(Stream stream, string destination = "stream")
    {
        using var writer = new BinaryWriter(stream, Encoding.UTF8, leaveOpen: true);
        writer.Write(Magic);
        writer.Write(Version);
        writer.Write((ulong)_tensors.Count);
        writer.Write((ulong)_metadata.Count);
        foreach (var entry in _metadata)
        {
            WriteString(writer, entry.Key);
            writer.Write((uint)entry.Type);
            WriteValue(writer, entry.Type, entry.Value, entry.ElementType);
        }

        ulong offset = 0;
        foreach (var tensor in _tensors)
        {
            WriteString(writer, tensor.Name);
            writer.Write((uint)tensor.Shape.Length);
            for (var i = tensor.Shape.Length - 1; i >= 0; i--)
            {
                writer.Write((ulong)tensor.Shape[i]);
            }

            writer.Write((uint)tensor.Type);
            writer.Write(offset);
            offset = Align(offset + (ulong)tensor.ByteCount);
        }

        writer.Flush();
        Pad(stream);
        foreach (var tensor in _tensors)
        {
            var before = stream.Position;
            tensor.WriteData(stream);
            var written = stream.Position - before;
            if (written != tensor.ByteCount)
            {
                throw new InvalidOperationException(
                    $"{destination}: tensor '{tensor.Name}' wrote {written} bytes but its shape and type need {tensor.ByteCount}.");
            }

            Pad(stream);
        }
    }

    private void Add(string key, GgufValueType type, object value, GgufValueType elementType = GgufValueType.UInt8)
    {
        if (!_keys.Add(key))
        {
            // The alignment key is written by the constructor; a caller may restate the same value only.
            if (key == AlignmentKey && value is uint v && v == Alignment)
            {
                return;
            }

            throw new ArgumentException($"GGUF metadata key '{key}' was added twice.", nameof(key));
        }

        _metadata.Add(new GgufMetadataEntry(key, type, value, elementType));
    }

    private static ulong Align(ulong offset) => (offset + Alignment - 1) / Alignment * Alignment;

    private static void Pad(Stream stream)
    {
        var padding = (int)(Align((ulong)stream.Position) - (ulong)stream.Position);
        if (padding > 0)
        {
            stream.Write(new byte[padding]);
        }
    }

    private static void WriteString(BinaryWriter writer, string value)
    {
        var bytes = Encoding.UTF8.GetBytes(value);
        writer.Write((ulong)bytes.Length);
        writer.Write(bytes);
    }

    private static void WriteValue(BinaryWriter writer, GgufValueType type, object value, GgufValueType elementType)
    {
        switch (type)
        {
            case GgufValueType.String:
                WriteString(writer, (string)value);
                break;
            case GgufValueType.UInt32:
                writer.Write((uint)value);
                break;
            case GgufValueType.Int32:
                writer.Write((int)value);
                break;
            case GgufValueType.UInt64:
                writer.Write((ulong)value);
                break;
            case GgufValueType.Float32:
                writer.Write((float)value);
                break;
            case GgufValueType.Bool:
                writer.Write((byte)((bool)value ? 1 : 0));
                break;
            case GgufValueType.Array:
                WriteArray(writer, (Array)value, elementType);
                break;
            default:
                throw new NotSupportedException($"GGUF metadata type {type} is not written by this writer.");
        }
    }

    private static void WriteArray(BinaryWriter writer, Array values, GgufValueType elementType)
    {
        writer.Write((uint)elementType);
        writer.Write((ulong)values.Length);
        foreach (var item in values)
        {
            WriteValue(writer, elementType, item!, GgufValueType.UInt8);
        }
    }
}
