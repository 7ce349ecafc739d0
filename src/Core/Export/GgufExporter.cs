using FineTuneMesh.Core.Checkpoints;
using FineTuneMesh.Core.Modeling;
using static TorchSharp.torch;

namespace FineTuneMesh.Core.Export;

/// <summary>
/// Exports a Hugging Face Qwen2 or Llama model folder (config.json, safetensors, tokenizer.json)
/// to a GGUF file that llama.cpp loads. Matrices are stored in the requested type; norm weights
/// and biases stay F32, as llama.cpp's converter keeps them. Qwen2 uses llama.cpp's NEOX RoPE and
/// needs its weights as they are; Llama uses the interleaved (NORM) RoPE, so its q/k rows are
/// permuted from Hugging Face's rotate-half order, as the reference converter does.
/// </summary>
public static class GgufExporter
{
    private const long MaxChunkBytes = 256L * 1024 * 1024;

    public static void Export(string modelFolder, string outputPath, GgufTensorType type) =>
        Export(modelFolder, outputPath, type, MaxChunkBytes);

    // maxChunkBytes: the most tensor bytes written at once (tests shrink it to exercise the row blocks).
    internal static void Export(string modelFolder, string outputPath, GgufTensorType type, long maxChunkBytes)
    {
        if (!Directory.Exists(modelFolder))
        {
            throw new DirectoryNotFoundException($"{modelFolder}: model folder not found.");
        }

        var configPath = Path.Combine(modelFolder, "config.json");
        var config = ModelConfig.Load(configPath);
        if (config.ModelType == "qwen2" && (config.MlpBias || config.OutputProjectionBias))
        {
            throw new NotSupportedException($"{configPath}: llama.cpp's qwen2 architecture has no MLP or o_proj biases.");
        }

        var vocabulary = HuggingFaceVocabularyReader.Read(modelFolder, config);
        using var checkpoint = CheckpointReader.Open(modelFolder);
        var writer = new GgufWriter();
        AddModelMetadata(writer, config, modelFolder, type);
        AddVocabulary(writer, config, vocabulary);
        AddTensors(writer, config, checkpoint, modelFolder, type, maxChunkBytes);

        // Written to a side file and renamed, so a failed export never leaves a plausible-looking GGUF.
        var partial = outputPath + ".partial";
        try
        {
            writer.Write(partial);
            File.Move(partial, outputPath, overwrite: true);
        }
        catch
        {
            File.Delete(partial);
            throw;
        }
    }

    /// <summary>llama.cpp's architecture name for a config.json <c>model_type</c>.</summary>
    public static string Architecture(ModelConfig config) => config.ModelType switch
    {
        "qwen2" => "qwen2",
        "llama" => "llama",
        _ => throw new NotSupportedException($"model_type '{config.ModelType}' has no GGUF export."),
    };

    private static void AddModelMetadata(GgufWriter writer, ModelConfig config, string folder, GgufTensorType type)
    {
        var arch = Architecture(config);
        writer.AddString("general.architecture", arch);
        writer.AddString("general.name", Path.GetFileName(Path.TrimEndingDirectorySeparator(Path.GetFullPath(folder))));
        writer.AddUInt32("general.file_type", GgufTensorTypes.FileType(type));
        writer.AddUInt32($"{arch}.vocab_size", (uint)config.VocabSize);
        writer.AddUInt32($"{arch}.context_length", (uint)config.MaxPositionEmbeddings);
        writer.AddUInt32($"{arch}.embedding_length", (uint)config.HiddenSize);
        writer.AddUInt32($"{arch}.feed_forward_length", (uint)config.IntermediateSize);
        writer.AddUInt32($"{arch}.block_count", (uint)config.NumHiddenLayers);
        writer.AddUInt32($"{arch}.attention.head_count", (uint)config.NumAttentionHeads);
        writer.AddUInt32($"{arch}.attention.head_count_kv", (uint)config.KeyValueHeads);
        writer.AddUInt32($"{arch}.attention.key_length", (uint)config.HeadDim);
        writer.AddUInt32($"{arch}.attention.value_length", (uint)config.HeadDim);
        writer.AddFloat32($"{arch}.attention.layer_norm_rms_epsilon", (float)config.RmsNormEps);
        writer.AddFloat32($"{arch}.rope.freq_base", (float)config.RopeTheta);
        if (arch == "llama")
        {
            writer.AddUInt32($"{arch}.rope.dimension_count", (uint)config.HeadDim);
        }
    }

    private static void AddVocabulary(GgufWriter writer, ModelConfig config, GgufVocabulary vocabulary)
    {
        writer.AddString("tokenizer.ggml.model", "gpt2");
        // Pre-tokenizer names llama.cpp knows: "qwen2" (Qwen2/2.5's regex), "llama-bpe" (Llama 3's).
        writer.AddString("tokenizer.ggml.pre", config.ModelType == "qwen2" ? "qwen2" : "llama-bpe");
        writer.AddStringArray("tokenizer.ggml.tokens", vocabulary.Tokens);
        writer.AddInt32Array("tokenizer.ggml.token_type", vocabulary.TokenTypes);
        writer.AddStringArray("tokenizer.ggml.merges", vocabulary.Merges);
        if (vocabulary.BosTokenId is { } bos)
        {
            writer.AddUInt32("tokenizer.ggml.bos_token_id", (uint)bos);
        }

        if (vocabulary.EosTokenId is { } eos)
        {
            writer.AddUInt32("tokenizer.ggml.eos_token_id", (uint)eos);
        }

        if (vocabulary.PaddingTokenId is { } pad)
        {
            writer.AddUInt32("tokenizer.ggml.padding_token_id", (uint)pad);
        }

        if (vocabulary.AddBosToken is { } addBos)
        {
            writer.AddBool("tokenizer.ggml.add_bos_token", addBos);
        }

        if (vocabulary.ChatTemplate is { } template)
        {
            writer.AddString("tokenizer.chat_template", template);
        }
    }

    private static void AddTensors(GgufWriter writer, ModelConfig config, CheckpointReader checkpoint, string folder,
        GgufTensorType type, long maxChunkBytes)
    {
        // The engine's own module, built on the meta device, lists every weight and its shape.
        List<(string Name, long[] Shape)> expected;
        using (var model = new CausalLanguageModel(config, META))
        {
            expected = [.. model.named_parameters().Select(p => (p.name, p.parameter.shape))];
        }

        var expectedNames = expected.Select(e => e.Name).ToHashSet();
        var unexpected = checkpoint.TensorNames.Where(n => !expectedNames.Contains(n)
            && !n.EndsWith("rotary_emb.inv_freq", StringComparison.Ordinal)
            && !(config.TieWordEmbeddings && n == "lm_head.weight")).ToList();
        if (unexpected.Count > 0)
        {
            throw new InvalidDataException(
                $"{checkpoint.FileOf(unexpected[0])}: {unexpected.Count} tensor(s) cannot be exported for model_type '{config.ModelType}', e.g. {string.Join(", ", unexpected.Take(3))}.");
        }

        foreach (var (name, shape) in expected)
        {
            if (!checkpoint.Contains(name))
            {
                throw new InvalidDataException($"{folder}: the checkpoint lacks '{name}', which the config implies.");
            }

            var entry = checkpoint.Entry(name);
            if (!entry.Shape.SequenceEqual(shape))
            {
                throw new InvalidDataException(
                    $"{checkpoint.FileOf(name)}: '{name}' has shape [{string.Join(",", entry.Shape)}] but the config implies [{string.Join(",", shape)}].");
            }

            if (entry.DType is not ("F32" or "F16" or "BF16"))
            {
                throw new NotSupportedException($"{checkpoint.FileOf(name)}: '{name}' is {entry.DType}; only F32, F16 and BF16 weights export.");
            }

            var ggufName = GgufTensorNames.FromHuggingFace(name)
                ?? throw new NotSupportedException($"{checkpoint.FileOf(name)}: no GGUF name for '{name}'.");
            // One-dimensional tensors (norm weights, biases) stay F32 whatever the model type.
            var stored = shape.Length == 1 ? GgufTensorType.F32 : type;
            var heads = RopePermutationHeads(config, name);
            writer.AddTensor(ggufName, shape, stored, stream => WriteTensor(stream, checkpoint, name, stored, heads, maxChunkBytes));
        }
    }

    /// <summary>For Llama's q/k projections, the head count to permute rows by; else null.</summary>
    private static int? RopePermutationHeads(ModelConfig config, string name)
    {
        if (config.ModelType != "llama")
        {
            return null;
        }

        if (name.Contains(".self_attn.q_proj.", StringComparison.Ordinal))
        {
            return config.NumAttentionHeads;
        }

        return name.Contains(".self_attn.k_proj.", StringComparison.Ordinal) ? config.KeyValueHeads : null;
    }

    private static void WriteTensor(Stream stream, CheckpointReader checkpoint, string name, GgufTensorType type, int? ropeHeads,
        long maxChunkBytes)
    {
        using var scope = NewDisposeScope();
        var tensor = checkpoint.Read(name);
        if (ropeHeads is { } heads)
        {
            tensor = PermuteForInterleavedRope(tensor, heads);
        }

        tensor = tensor.to(GgufTensorTypes.ToScalarType(type)).contiguous();
        // Tensor.bytes is a span, so at most 2 GB at once: a large embedding goes out in row blocks.
        var rowBytes = tensor.NumberOfElements / tensor.shape[0] * tensor.ElementSize;
        var rowsPerChunk = Math.Max(1, maxChunkBytes / rowBytes);
        foreach (var chunk in tensor.split(rowsPerChunk))
        {
            stream.Write(chunk.bytes);
        }
    }

    /// <summary>
    /// Reorders each head's rows from rotate-half order (x[j] pairs with x[j + D/2]) to interleaved
    /// order (x[2j] pairs with x[2j+1]): row (half h, index j) moves to 2j + h.
    /// </summary>
    internal static Tensor PermuteForInterleavedRope(Tensor weight, int heads)
    {
        var shape = weight.shape;
        var headDim = shape[0] / heads;
        var rest = shape.Skip(1).ToArray();
        long[] split = [heads, 2, headDim / 2, .. rest];
        return weight.reshape(split).transpose(1, 2).reshape(shape);
    }
}
