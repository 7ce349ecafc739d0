using FineTuneMesh.Core.Export;

namespace FineTuneMesh.Core.Tests.Export;

public class GgufWriterTests
{
    [Fact]
    public void MetadataAndTensorsRoundTrip()
    {
        using var folder = new TempFolder();
        var path = folder.File("x.gguf");
        var writer = new GgufWriter();
        writer.AddString("general.name", "tëst");
        writer.AddUInt32("a.u32", 7);
        writer.AddInt32("a.i32", -3);
        writer.AddUInt64("a.u64", 1UL << 40);
        writer.AddFloat32("a.f32", 1e-6f);
        writer.AddBool("a.bool", true);
        writer.AddStringArray("a.strings", ["x", "", "Ġthe"]);
        writer.AddInt32Array("a.ints", [1, 3, 4]);
        var matrix = Enumerable.Range(0, 3 * 5).Select(i => (byte)i).SelectMany(b => new byte[] { b, b, b, b }).ToArray();
        var vector = new byte[] { 1, 2, 3, 4, 5, 6 };
        writer.AddTensor("m", [3, 5], GgufTensorType.F32, s => s.Write(matrix));
        writer.AddTensor("v", [3], GgufTensorType.F16, s => s.Write(vector));
        writer.Write(path);

        var file = GgufTestReader.Read(path);
        Assert.Equal(3u, file.Version);
        Assert.Equal(32u, file.Metadata["general.alignment"]);
        Assert.Equal("tëst", file.Metadata["general.name"]);
        Assert.Equal(7u, file.Metadata["a.u32"]);
        Assert.Equal(-3, file.Metadata["a.i32"]);
        Assert.Equal(1UL << 40, file.Metadata["a.u64"]);
        Assert.Equal(1e-6f, file.Metadata["a.f32"]);
        Assert.Equal(true, file.Metadata["a.bool"]);
        Assert.Equal(["x", "", "Ġthe"], (object[])file.Metadata["a.strings"]);
        Assert.Equal([1, 3, 4], (object[])file.Metadata["a.ints"]);

        Assert.Equal([5UL, 3UL], file.Tensor("m").Dims);   // ggml order: fastest dimension first
        Assert.Equal(0u, file.Tensor("m").Type);
        Assert.Equal(1u, file.Tensor("v").Type);
        Assert.All(file.Tensors, t => Assert.Equal(0UL, t.Offset % 32));
        Assert.Equal(0, file.DataStart % 32);
        Assert.Equal(matrix, file.TensorBytes("m"));
        Assert.Equal(vector, file.TensorBytes("v"));
        Assert.Equal(0, file.FileLength % 32);
    }

    [Fact]
    public void ATensorCallbackWritingTheWrongSizeFails()
    {
        using var folder = new TempFolder();
        var writer = new GgufWriter();
        writer.AddTensor("short", [4], GgufTensorType.F32, s => s.Write(new byte[15]));
        var e = Assert.Throws<InvalidOperationException>(() => writer.Write(folder.File("x.gguf")));
        Assert.Contains("'short' wrote 15 bytes", e.Message);
    }

    [Fact]
    public void DuplicateKeysAndTensorsAreRefused()
    {
        var writer = new GgufWriter();
        writer.AddString("k", "a");
        Assert.Throws<ArgumentException>(() => writer.AddString("k", "b"));
        writer.AddTensor("t", [1], GgufTensorType.F32, s => s.Write(new byte[4]));
        Assert.Throws<ArgumentException>(() => writer.AddTensor("t", [1], GgufTensorType.F32, s => s.Write(new byte[4])));
    }
}
