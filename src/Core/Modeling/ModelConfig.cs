using System.Text.Json;
using System.Text.Json.Serialization;

namespace FineTuneMesh.Core.Modeling;

/// <summary>
/// The fields of a Hugging Face <c>config.json</c> that a decoder-only Qwen2 or Llama model needs.
/// Property names mirror the file so that the record reads and writes it directly.
/// </summary>
public sealed record ModelConfig
{
    [JsonPropertyName("model_type")] public string ModelType { get; init; } = "qwen2";
    [JsonPropertyName("architectures")] public IReadOnlyList<string>? Architectures { get; init; }
    [JsonPropertyName("vocab_size")] public int VocabSize { get; init; }
    [JsonPropertyName("hidden_size")] public int HiddenSize { get; init; }
    [JsonPropertyName("intermediate_size")] public int IntermediateSize { get; init; }
    [JsonPropertyName("num_hidden_layers")] public int NumHiddenLayers { get; init; }
    [JsonPropertyName("num_attention_heads")] public int NumAttentionHeads { get; init; }
    [JsonPropertyName("num_key_value_heads")] public int? NumKeyValueHeads { get; init; }
    [JsonPropertyName("head_dim")] public int? HeadDimension { get; init; }
    [JsonPropertyName("hidden_act")] public string HiddenAct { get; init; } = "silu";
    [JsonPropertyName("max_position_embeddings")] public int MaxPositionEmbeddings { get; init; } = 32768;
    [JsonPropertyName("rms_norm_eps")] public double RmsNormEps { get; init; } = 1e-6;
    [JsonPropertyName("rope_theta")] public double RopeTheta { get; init; } = 10000.0;
    [JsonPropertyName("rope_scaling")] public JsonElement? RopeScaling { get; init; }
    [JsonPropertyName("tie_word_embeddings")] public bool TieWordEmbeddings { get; init; }
    [JsonPropertyName("attention_bias")] public bool? AttentionBias { get; init; }
    [JsonPropertyName("mlp_bias")] public bool MlpBias { get; init; }
    [JsonPropertyName("bos_token_id")] public int? BosTokenId { get; init; }
    [JsonPropertyName("eos_token_id")] public JsonElement? EosTokenId { get; init; }
    [JsonPropertyName("torch_dtype")] public string? TorchDtype { get; init; }
    [JsonPropertyName("use_sliding_window")] public bool UseSlidingWindow { get; init; }

    [JsonIgnore] public int KeyValueHeads => NumKeyValueHeads ?? NumAttentionHeads;
    [JsonIgnore] public int HeadDim => HeadDimension ?? HiddenSize / NumAttentionHeads;

    /// <summary>Qwen2 always has q/k/v biases; Llama has them only with <c>attention_bias</c>.</summary>
    [JsonIgnore] public bool QkvBias => ModelType == "qwen2" || (AttentionBias ?? false);

    /// <summary>Qwen2's o_proj never has a bias; Llama's follows <c>attention_bias</c>.</summary>
    [JsonIgnore] public bool OutputProjectionBias => ModelType == "llama" && (AttentionBias ?? false);

    /// <summary>The eos ids: config.json allows a single id or a list.</summary>
    [JsonIgnore]
    public IReadOnlyList<int> EosTokenIds => EosTokenId switch
    {
        { ValueKind: JsonValueKind.Number } e => [e.GetInt32()],
        { ValueKind: JsonValueKind.Array } e => [.. e.EnumerateArray().Select(x => x.GetInt32())],
        _ => [],
    };

    public static readonly string[] SupportedModelTypes = ["qwen2", "llama"];

    internal static readonly JsonSerializerOptions JsonOptions = new()
    {
        WriteIndented = true,
        DefaultIgnoreCondition = JsonIgnoreCondition.WhenWritingNull,
    };

    public static ModelConfig Load(string path)
    {
        if (!File.Exists(path))
        {
            throw new FileNotFoundException($"{path}: config.json not found; a model folder needs one.", path);
        }

        ModelConfig? config;
        try
        {
            config = JsonSerializer.Deserialize<ModelConfig>(File.ReadAllText(path), JsonOptions);
        }
        catch (JsonException e)
        {
            throw new InvalidDataException($"{path}: not valid JSON ({e.Message}).", e);
        }

        if (config is null)
        {
            throw new InvalidDataException($"{path}: empty config.");
        }

        config.Validate(path);
        return config;
    }

    public void Save(string path) => File.WriteAllText(path, JsonSerializer.Serialize(this, JsonOptions));

    /// <summary>Refuses what the engine does not implement, naming the file and the field.</summary>
    public void Validate(string source)
    {
        if (!SupportedModelTypes.Contains(ModelType))
        {
            throw new NotSupportedException(
                $"{source}: model_type '{ModelType}' is not supported; supported: {string.Join(", ", SupportedModelTypes)}.");
        }

        if (HiddenAct != "silu")
        {
            throw new NotSupportedException($"{source}: hidden_act '{HiddenAct}' is not supported; only 'silu'.");
        }

        if (RopeScaling is { ValueKind: JsonValueKind.Object } scaling)
        {
            var type = scaling.TryGetProperty("rope_type", out var t) ? t.GetString()
                : scaling.TryGetProperty("type", out var t2) ? t2.GetString() : null;
            if (type != "default")
            {
                throw new NotSupportedException(
                    $"{source}: rope_scaling type '{type}' is not supported; only unscaled RoPE is implemented.");
            }
        }

        if (UseSlidingWindow)
        {
            throw new NotSupportedException($"{source}: use_sliding_window=true is not supported.");
        }

        RequirePositive(source, "vocab_size", VocabSize);
        RequirePositive(source, "hidden_size", HiddenSize);
        RequirePositive(source, "intermediate_size", IntermediateSize);
        RequirePositive(source, "num_hidden_layers", NumHiddenLayers);
        RequirePositive(source, "num_attention_heads", NumAttentionHeads);
        RequirePositive(source, "num_key_value_heads", KeyValueHeads);
        if (NumAttentionHeads % KeyValueHeads != 0)
        {
            throw new InvalidDataException(
                $"{source}: num_attention_heads ({NumAttentionHeads}) is not a multiple of num_key_value_heads ({KeyValueHeads}).");
        }

        if (HeadDimension is null && HiddenSize % NumAttentionHeads != 0)
        {
            throw new InvalidDataException(
                $"{source}: hidden_size ({HiddenSize}) is not a multiple of num_attention_heads ({NumAttentionHeads}).");
        }

        if (HeadDim % 2 != 0)
        {
            throw new InvalidDataException($"{source}: head dimension {HeadDim} must be even for RoPE.");
        }
    }

    private static void RequirePositive(string source, string name, int value)
    {
        if (value <= 0)
        {
            throw new InvalidDataException($"{source}: {name} must be positive, got {value}.");
        }
    }
}
