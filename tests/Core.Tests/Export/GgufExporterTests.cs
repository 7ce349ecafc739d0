using FineTuneMesh.Core.Checkpoints;
using FineTuneMesh.Core.Export;
using static TorchSharp.torch;

namespace FineTuneMesh.Core.Tests.Export;

public class GgufExporterTests
{
    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public void Qwen2MetadataAndVocabularyAreWritten(bool mergesAsPairs)
    {
        using var folder = new TempFolder();
        var config = GgufTestModels.Config();
        GgufTestModels.Write(folder, config, mergesAsPairs: mergesAsPairs);
        var path = folder.File("model.gguf");
        GgufExporter.Export(folder.Path, path, GgufTensorType.F32);

        var file = GgufTestReader.Read(path);
        var m = file.Metadata;
        Assert.Equal("qwen2", m["general.architecture"]);
        Assert.Equal(Path.GetFileName(folder.Path), m["general.name"]);
        Assert.Equal(0u, m["general.file_type"]);
        Assert.Equal((uint)config.MaxPositionEmbeddings, m["qwen2.context_length"]);
        Assert.Equal(64u, m["qwen2.embedding_length"]);
        Assert.Equal(128u, m["qwen2.feed_forward_length"]);
        Assert.Equal(2u, m["qwen2.block_count"]);
        Assert.Equal(4u, m["qwen2.attention.head_count"]);
        Assert.Equal(2u, m["qwen2.attention.head_count_kv"]);
        Assert.Equal(1e-6f, m["qwen2.attention.layer_norm_rms_epsilon"]);
        Assert.Equal(1e6f, m["qwen2.rope.freq_base"]);
        Assert.False(m.ContainsKey("qwen2.rope.dimension_count"));
        Assert.Equal("gpt2", m["tokenizer.ggml.model"]);
        Assert.Equal("qwen2", m["tokenizer.ggml.pre"]);

        var tokens = (object[])m["tokenizer.ggml.tokens"];
        var types = (object[])m["tokenizer.ggml.token_type"];
        Assert.Equal(GgufTestModels.VocabSize, tokens.Length);
        Assert.Equal(tokens.Length, types.Length);
        Assert.Equal(TestTokenizerFiles.ByteTokens(), tokens.Take(256));
        Assert.Equal("Ġt", tokens[256]);
        Assert.Equal(1, types[256]);
        var imEnd = TestTokenizerFiles.SpecialId("<|im_end|>");
        Assert.Equal("<|im_end|>", tokens[imEnd]);
        Assert.Equal(3, types[imEnd]);
        Assert.Equal("[PAD271]", tokens[271]);
        Assert.Equal(4, types[271]);
        Assert.Equal(TestTokenizerFiles.Merges.Select(x => $"{x.Left} {x.Right}"), ((object[])m["tokenizer.ggml.merges"]).Cast<string>());
        Assert.Equal((uint)imEnd, m["tokenizer.ggml.eos_token_id"]);
        Assert.Equal((uint)TestTokenizerFiles.SpecialId("<|endoftext|>"), m["tokenizer.ggml.bos_token_id"]);
        Assert.Equal((uint)TestTokenizerFiles.SpecialId("<|endoftext|>"), m["tokenizer.ggml.padding_token_id"]);
        Assert.Equal(false, m["tokenizer.ggml.add_bos_token"]);
        Assert.StartsWith("{% for m in messages %}", (string)m["tokenizer.chat_template"]);
    }

    [Fact]
    public void TiedQwen2TensorsKeepTheirBytesAndReverseTheirDims()
    {
        using var folder = new TempFolder();
        GgufTestModels.Write(folder, GgufTestModels.Config());
        var path = folder.File("model.gguf");
        GgufExporter.Export(folder.Path, path, GgufTensorType.F32);

        var file = GgufTestReader.Read(path);
        var names = file.Tensors.Select(t => t.Name).ToHashSet();
        Assert.Equal(2 + (2 * 12), names.Count);   // token_embd and output_norm (no output: tied), 12 per layer
        Assert.DoesNotContain("output.weight", names);
        Assert.Contains("blk.1.attn_q.bias", names);
        Assert.DoesNotContain("blk.0.attn_output.bias", names);

        using var checkpoint = CheckpointReader.Open(folder.Path);
        (string Hf, string Gguf)[] pairs =
        [
            ("model.embed_tokens.weight", "token_embd.weight"),
            ("model.norm.weight", "output_norm.weight"),
            ("model.layers.0.input_layernorm.weight", "blk.0.attn_norm.weight"),
            ("model.layers.0.self_attn.k_proj.weight", "blk.0.attn_k.weight"),
            ("model.layers.0.self_attn.k_proj.bias", "blk.0.attn_k.bias"),
            ("model.layers.1.self_attn.o_proj.weight", "blk.1.attn_output.weight"),
            ("model.layers.1.post_attention_layernorm.weight", "blk.1.ffn_norm.weight"),
            ("model.layers.1.mlp.gate_proj.weight", "blk.1.ffn_gate.weight"),
            ("model.layers.1.mlp.up_proj.weight", "blk.1.ffn_up.weight"),
            ("model.layers.1.mlp.down_proj.weight", "blk.1.ffn_down.weight"),
        ];
        foreach (var (hf, gguf) in pairs)
        {
            using var tensor = checkpoint.Read(hf);
            Assert.Equal(tensor.shape.Reverse().Select(d => (ulong)d), file.Tensor(gguf).Dims);
            Assert.Equal(tensor.bytes.ToArray(), file.TensorBytes(gguf));
        }
    }

    [Theory]
    [InlineData(GgufTensorType.F16, 1u, 1u)]
    [InlineData(GgufTensorType.BF16, 30u, 32u)]
    public void HalfTypesConvertMatricesButKeepNormsAndBiasesF32(GgufTensorType type, uint ggmlType, uint fileType)
    {
        using var folder = new TempFolder();
        GgufTestModels.Write(folder, GgufTestModels.Config(), dtype: ScalarType.BFloat16);
        var path = folder.File("model.gguf");
        GgufExporter.Export(folder.Path, path, type);

        var file = GgufTestReader.Read(path);
        Assert.Equal(fileType, file.Metadata["general.file_type"]);
        Assert.Equal(ggmlType, file.Tensor("token_embd.weight").Type);
        Assert.Equal(ggmlType, file.Tensor("blk.0.ffn_down.weight").Type);
        Assert.Equal(0u, file.Tensor("blk.0.attn_norm.weight").Type);
        Assert.Equal(0u, file.Tensor("blk.0.attn_q.bias").Type);
        Assert.Equal(0u, file.Tensor("output_norm.weight").Type);

        using var checkpoint = CheckpointReader.Open(folder.Path);
        using var source = checkpoint.Read("model.layers.0.mlp.down_proj.weight");
        using var expected = source.to(type == GgufTensorType.F16 ? ScalarType.Float16 : ScalarType.BFloat16);
        Assert.Equal(expected.bytes.ToArray(), file.TensorBytes("blk.0.ffn_down.weight"));
    }

    [Fact]
    public void UntiedLlamaWritesOutputAndPermutesQueryAndKeyRowsForInterleavedRope()
    {
        using var folder = new TempFolder();
        var config = GgufTestModels.Config("llama", tied: false, attentionBias: true);
        GgufTestModels.Write(folder, config);
        var path = folder.File("model.gguf");
        GgufExporter.Export(folder.Path, path, GgufTensorType.F32);

        var file = GgufTestReader.Read(path);
        Assert.Equal("llama", file.Metadata["general.architecture"]);
        Assert.Equal("llama-bpe", file.Metadata["tokenizer.ggml.pre"]);
        Assert.Equal(16u, file.Metadata["llama.rope.dimension_count"]);
        Assert.Contains(file.Tensors, t => t.Name == "output.weight");
        Assert.Contains(file.Tensors, t => t.Name == "blk.0.attn_output.bias");

        using var checkpoint = CheckpointReader.Open(folder.Path);
        using var k = checkpoint.Read("model.layers.0.self_attn.k_proj.weight");     // [kvH*D, hidden]
        var stored = file.TensorBytes("blk.0.attn_k.weight");
        var rowBytes = 64 * 4;
        // Head 1, D = 16: stored row 2j+h of the head is source row h*8+j.
        for (var j = 0; j < 8; j++)
        {
            for (var h = 0; h < 2; h++)
            {
                var source = k[16 + (h * 8) + j].bytes.ToArray();
                Assert.Equal(source, stored.AsSpan((16 + (2 * j) + h) * rowBytes, rowBytes).ToArray());
            }
        }

        using var v = checkpoint.Read("model.layers.0.self_attn.v_proj.weight");     // v is not rotated: unchanged
        Assert.Equal(v.bytes.ToArray(), file.TensorBytes("blk.0.attn_v.weight"));
    }

    [Fact]
    public void WritingTensorsInSmallRowBlocksGivesTheSameFile()
    {
        using var folder = new TempFolder();
        GgufTestModels.Write(folder, GgufTestModels.Config("llama", tied: false), dtype: ScalarType.BFloat16);
        GgufExporter.Export(folder.Path, folder.File("whole.gguf"), GgufTensorType.F32);
        GgufExporter.Export(folder.Path, folder.File("rows.gguf"), GgufTensorType.F32, maxChunkBytes: 300);
        Assert.Equal(File.ReadAllBytes(folder.File("whole.gguf")), File.ReadAllBytes(folder.File("rows.gguf")));
    }

    [Fact]
    public void MissingTokenizerIsAnErrorNamingTheFile()
    {
        using var folder = new TempFolder();
        TinyModels.WriteWeights(folder, GgufTestModels.Config());
        var e = Assert.Throws<FileNotFoundException>(() => GgufExporter.Export(folder.Path, folder.File("m.gguf"), GgufTensorType.F32));
        Assert.Contains(Path.Combine(folder.Path, "tokenizer.json"), e.Message);
        Assert.False(File.Exists(folder.File("m.gguf")));
    }

    [Fact]
    public void ANonByteLevelTokenizerIsRefused()
    {
        using var folder = new TempFolder();
        GgufTestModels.Write(folder, GgufTestModels.Config());
        var tokenizer = folder.File("tokenizer.json");
        File.WriteAllText(tokenizer, File.ReadAllText(tokenizer).Replace("\"ByteLevel\"", "\"Metaspace\""));
        var e = Assert.Throws<NotSupportedException>(() => GgufExporter.Export(folder.Path, folder.File("m.gguf"), GgufTensorType.F32));
        Assert.Contains(tokenizer, e.Message);
    }

    [Fact]
    public void ATokenizerLargerThanTheVocabularyIsRefused()
    {
        using var folder = new TempFolder();
        GgufTestModels.Write(folder, GgufTestModels.Config() with { VocabSize = 260 });
        var e = Assert.Throws<InvalidDataException>(() => GgufExporter.Export(folder.Path, folder.File("m.gguf"), GgufTensorType.F32));
        Assert.Contains("tokenizer.json", e.Message);
        Assert.Contains("vocab_size 260", e.Message);
    }

    [Fact]
    public void AnUnsupportedModelTypeIsRefusedNamingConfigJson()
    {
        using var folder = new TempFolder();
        GgufTestModels.Write(folder, GgufTestModels.Config());
        var config = folder.File("config.json");
        File.WriteAllText(config, File.ReadAllText(config).Replace("\"qwen2\"", "\"mistral\""));
        var e = Assert.Throws<NotSupportedException>(() => GgufExporter.Export(folder.Path, folder.File("m.gguf"), GgufTensorType.F32));
        Assert.Contains(config, e.Message);
    }
}
