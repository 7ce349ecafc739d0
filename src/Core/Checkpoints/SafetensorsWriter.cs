using System.Text;
using System.Text.Json;
using static TorchSharp.torch;

namespace FineTuneMesh.Core.Checkpoints;

/// <summary>Writes tensors to a <c>.safetensors</c> file in the layout Hugging Face reads.</summary>
public static class SafetensorsWriter
{
    public static void Write(string path, IEnumerable<KeyValuePair<string, Tensor>> tensors,
        IReadOnlyDictionary<string, string>? metadata = null)
    {
        var ordered = tensors.Select(p => (p.Key, Tensor: p.Value.detach().cpu().contiguous())).ToList();
        try
        {
            var header = new Dictionary<string, object>();
            if (metadata is { Count: > 0 })
            {
                header["__metadata__"] = metadata;
            }

            long offset = 0;
            foreach (var (name, tensor) in ordered)
            {
                var bytes = tensor.NumberOfElements * SafetensorsDType.ElementSize(tensor.dtype);
                header[name] = new
                {
                    dtype = SafetensorsDType.NameOf(tensor.dtype),
                    shape = tensor.shape,
                    data_offsets = new[] { offset, offset + bytes },
                };
                offset += bytes;
            }

            var json = Encoding.UTF8.GetBytes(JsonSerializer.Serialize(header));
            // Pad the header with spaces so tensor data starts 8-byte aligned, as the reference writer does.
            var padded = (json.Length + 7) / 8 * 8;
            var headerBytes = new byte[padded];
            Array.Fill(headerBytes, (byte)' ');
            json.CopyTo(headerBytes, 0);

            using var stream = new FileStream(path, FileMode.Create, FileAccess.Write, FileShare.None, 1 << 20);
            stream.Write(BitConverter.GetBytes((long)padded));
            stream.Write(headerBytes);
            foreach (var (_, tensor) in ordered)
            {
                WriteData(stream, tensor);
            }
        }
        finally
        {
            foreach (var (_, tensor) in ordered)
            {
                tensor.Dispose();
            }
        }
    }

    // Tensor.bytes is a span over the (contiguous, CPU) storage itself.
    private static void WriteData(Stream stream, Tensor tensor) => stream.Write(tensor.bytes);
}
