using FineTuneMesh.Core.Checkpoints;
using static TorchSharp.torch;

namespace FineTuneMesh.Core.Lora;

/// <summary>
/// Folds a LoRA adapter into the base weights (W += B·A·alpha/r) and writes a complete Hugging Face
/// model folder (config, safetensors, tokenizer and generation files) that loads, serves and exports
/// to GGUF like any other.
/// </summary>
public static class MergedModelWriter
{
    // Files of the base folder that travel unchanged with the merged weights.
    private static readonly string[] _copiedFiles = ["tokenizer.json", "tokenizer_config.json", "generation_config.json"];

    /// <summary>
    /// Writes the merged model into <paramref name="output"/> in <paramref name="dtype"/> (default:
    /// the base checkpoint's stored dtype); returns how many adapter modules were merged and of how many.
    /// </summary>
    public static (int Merged, int Adapters, ScalarType DType) Write(string baseFolder, string adapterFolder, string output, ScalarType? dtype = null)
    {
        if (Path.GetFullPath(output) == Path.GetFullPath(baseFolder))
        {
            throw new ArgumentException("the merged model's folder must not be the base model folder.");
        }

        var stored = StoredDType(baseFolder);
        var written = dtype ?? stored;
        // Merging in the stored dtype rounds once, exactly as merging in fp32 and converting would;
        // a wider output dtype than the stored one is merged in fp32 so the update keeps its precision.
        using var model = LanguageModel.Load(baseFolder, written == stored ? stored : ScalarType.Float32);
        var adapters = AdapterFiles.Load(adapterFolder, model.Network);
        var merged = LoraMerger.Merge(model.Network);

        CheckpointWriter.Write(output, model.Network, written, Path.Combine(baseFolder, "config.json"));
        foreach (var name in _copiedFiles.Where(n => File.Exists(Path.Combine(baseFolder, n))))
        {
            File.Copy(Path.Combine(baseFolder, name), Path.Combine(output, name), overwrite: true);
        }

        return (merged, adapters.Count, written);
    }

    /// <summary>The dtype the base checkpoint stores its embedding in (all its matrices, in practice).</summary>
    private static ScalarType StoredDType(string folder)
    {
        using var checkpoint = CheckpointReader.Open(folder);
        if (!checkpoint.Contains("model.embed_tokens.weight"))
        {
            return ScalarType.Float32;                                                       // the loader names what is missing
        }

        var entry = checkpoint.Entry("model.embed_tokens.weight");
        return SafetensorsDType.TryGet(entry.DType, out var type) && type is ScalarType.Float32 or ScalarType.BFloat16 or ScalarType.Float16
            ? type
            : throw new InvalidDataException($"{checkpoint.FileOf(entry.Name)}: weights stored as {entry.DType}; merge supports F32, BF16 and F16.");
    }
}
