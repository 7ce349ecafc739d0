using System.Text.Json;
using Microsoft.Win32.SafeHandles;
using static TorchSharp.torch;

namespace FineTuneMesh.Core.Checkpoints;

/// <summary>
/// Reads one <c>.safetensors</c> file: an 8-byte little-endian header length, a JSON header, then
/// raw tensor bytes. Every header field is checked against the file so that a truncated or lying
/// file fails here with its path, not later as garbage weights.
/// </summary>
public sealed class SafetensorsFile : IDisposable
{
    // A header larger than this is not a checkpoint header (the real 0.5B one is ~30 KB).
    private const long MaxHeaderBytes = 100L * 1024 * 1024;

    private readonly SafeFileHandle _handle;
    private readonly long _dataStart;

    private SafetensorsFile(string path, SafeFileHandle handle, long dataStart,
        Dictionary<string, SafetensorsEntry> entries, Dictionary<string, string> metadata)
    {
        Path = path;
        _handle = handle;
        _dataStart = dataStart;
        Entries = entries;
        Metadata = metadata;
    }

    public string Path { get; }
    public IReadOnlyDictionary<string, SafetensorsEntry> Entries { get; }
    public IReadOnlyDictionary<string, string> Metadata { get; }

    public static SafetensorsFile Open(string path)
    {
        if (!File.Exists(path))
        {
            throw new FileNotFoundException($"{path}: safetensors file not found.", path);
        }

        var handle = File.OpenHandle(path, FileMode.Open, FileAccess.Read, FileShare.Read);
        try
        {
            var (dataStart, entries, metadata) = ReadHeader(path, handle);
            return new SafetensorsFile(path, handle, dataStart, entries, metadata);
        }
        catch
        {
            handle.Dispose();
            throw;
        }
    }

    /// <summary>Reads a tensor as stored (its own dtype), on the CPU.</summary>
    public Tensor Read(string name)
    {
        var entry = Entries.TryGetValue(name, out var e) ? e
            : throw new KeyNotFoundException($"{Path}: no tensor named '{name}'.");
        SafetensorsDType.TryGet(entry.DType, out var type);
        var tensor = empty(entry.Shape, type);
        ReadBytes(entry, tensor);
        return tensor;
    }

    /// <summary>Rows [start, start + count) of a tensor as stored (its first dimension is the row), on the CPU.</summary>
    public Tensor ReadRows(string name, long start, long count)
    {
        var entry = Entries.TryGetValue(name, out var e) ? e
            : throw new KeyNotFoundException($"{Path}: no tensor named '{name}'.");
        SafetensorsDType.TryGet(entry.DType, out var type);
        var rowBytes = (entry.End - entry.Begin) / entry.Shape[0];
        var tensor = empty([count, .. entry.Shape[1..]], type);
        ReadRange(entry, start * rowBytes, count * rowBytes, tensor);
        return tensor;
    }

    /// <summary>
    /// Copies a tensor into <paramref name="destination"/> (same shape). When the dtype matches and
    /// the destination is contiguous CPU memory the bytes go straight from the file into it, with
    /// no intermediate tensor; otherwise the tensor is read and converted.
    /// </summary>
    public void ReadInto(string name, Tensor destination)
    {
        var entry = Entries.TryGetValue(name, out var e) ? e
            : throw new KeyNotFoundException($"{Path}: no tensor named '{name}'.");
        SafetensorsDType.TryGet(entry.DType, out var type);
        if (type == destination.dtype && destination.is_contiguous() && destination.device_type == TorchSharp.DeviceType.CPU)
        {
            ReadBytes(entry, destination);
            return;
        }

        using var scope = NewDisposeScope();
        destination.copy_(Read(name));
    }

    private void ReadBytes(SafetensorsEntry entry, Tensor destination) => ReadRange(entry, 0, entry.End - entry.Begin, destination);

    private void ReadRange(SafetensorsEntry entry, long offset, long length, Tensor destination)
    {
        // Tensor.bytes is a span over the tensor's own (contiguous, CPU) storage: no extra copy.
        var storage = destination.bytes;
        var remaining = (int)length;
        long fileOffset = _dataStart + entry.Begin + offset;
        var done = 0;
        while (remaining > 0)
        {
            var read = RandomAccess.Read(_handle, storage.Slice(done, remaining), fileOffset + done);
            if (read <= 0)
            {
                throw new InvalidDataException($"{Path}: unexpected end of file reading '{entry.Name}'.");
            }

            done += read;
            remaining -= read;
        }
    }

    private static (long DataStart, Dictionary<string, SafetensorsEntry> Entries, Dictionary<string, string> Metadata)
        ReadHeader(string path, SafeFileHandle handle)
    {
        long fileLength = RandomAccess.GetLength(handle);
        if (fileLength < 8)
        {
            throw new InvalidDataException($"{path}: truncated safetensors file ({fileLength} bytes, no header length).");
        }

        Span<byte> lengthBytes = stackalloc byte[8];
        RandomAccess.Read(handle, lengthBytes, 0);
        var headerLength = BitConverter.ToInt64(lengthBytes);
        if (headerLength <= 0 || headerLength > MaxHeaderBytes || headerLength > fileLength - 8)
        {
            throw new InvalidDataException(
                $"{path}: header length {headerLength} does not fit the file ({fileLength} bytes); the file is truncated or not safetensors.");
        }

        var header = new byte[headerLength];
        RandomAccess.Read(handle, header, 8);
        JsonDocument document;
        try
        {
            document = JsonDocument.Parse(header);
        }
        catch (JsonException e)
        {
            throw new InvalidDataException($"{path}: header is not valid JSON ({e.Message}).", e);
        }

        long dataStart = 8 + headerLength;
        long dataLength = fileLength - dataStart;
        var entries = new Dictionary<string, SafetensorsEntry>();
        var metadata = new Dictionary<string, string>();
        using (document)
        {
            if (document.RootElement.ValueKind != JsonValueKind.Object)
            {
                throw new InvalidDataException($"{path}: header is not a JSON object.");
            }

            foreach (var property in document.RootElement.EnumerateObject())
            {
                if (property.Name == "__metadata__")
                {
                    foreach (var m in property.Value.EnumerateObject())
                    {
                        metadata[m.Name] = m.Value.GetString() ?? "";
                    }

                    continue;
                }

                entries[property.Name] = ParseEntry(path, property, dataLength);
            }
        }

        return (dataStart, entries, metadata);
    }

    private static SafetensorsEntry ParseEntry(string path, JsonProperty property, long dataLength)
    {
        var name = property.Name;
        try
        {
            var dtype = property.Value.GetProperty("dtype").GetString() ?? "";
            if (!SafetensorsDType.TryGet(dtype, out var type))
            {
                throw new InvalidDataException($"{path}: tensor '{name}' has unsupported dtype '{dtype}'.");
            }

            var shape = property.Value.GetProperty("shape").EnumerateArray().Select(x => x.GetInt64()).ToArray();
            var offsets = property.Value.GetProperty("data_offsets").EnumerateArray().Select(x => x.GetInt64()).ToArray();
            if (offsets.Length != 2 || offsets[0] < 0 || offsets[1] < offsets[0])
            {
                throw new InvalidDataException($"{path}: tensor '{name}' has invalid data_offsets.");
            }

            var entry = new SafetensorsEntry(name, dtype, shape, offsets[0], offsets[1]);
            if (shape.Any(d => d < 0) || entry.ElementCount * SafetensorsDType.ElementSize(type) != entry.End - entry.Begin)
            {
                throw new InvalidDataException(
                    $"{path}: tensor '{name}' shape [{string.Join(",", shape)}] of {dtype} needs " +
                    $"{entry.ElementCount * SafetensorsDType.ElementSize(type)} bytes but data_offsets span {entry.End - entry.Begin}.");
            }

            if (entry.End > dataLength)
            {
                throw new InvalidDataException(
                    $"{path}: tensor '{name}' ends at byte {entry.End} of the data section but the file holds only {dataLength}; the file is truncated.");
            }

            return entry;
        }
        catch (Exception e) when (e is KeyNotFoundException or InvalidOperationException or FormatException)
        {
            throw new InvalidDataException($"{path}: header entry for '{name}' is malformed ({e.Message}).", e);
        }
    }

    public void Dispose() => _handle.Dispose();
}
