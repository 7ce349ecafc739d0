using System.Text.Json;
using System.Text.Json.Serialization;

namespace FineTuneMesh.Core.Lora;

/// <summary>PEFT's <c>adapter_config.json</c> for a LoRA adapter (the fields PEFT, vLLM and llama.cpp read).</summary>
public sealed record AdapterConfig
{
    public const string FileName = "adapter_config.json";

    [JsonPropertyName("peft_type")] public string PeftType { get; init; } = "LORA";
    [JsonPropertyName("task_type")] public string TaskType { get; init; } = "CAUSAL_LM";
    [JsonPropertyName("base_model_name_or_path")] public string? BaseModelNameOrPath { get; init; }
    [JsonPropertyName("revision")] public string? Revision { get; init; }
    [JsonPropertyName("r")] public int Rank { get; init; }
    [JsonPropertyName("lora_alpha")] public double Alpha { get; init; }
    [JsonPropertyName("lora_dropout")] public double Dropout { get; init; }
    [JsonPropertyName("target_modules")] public JsonElement TargetModules { get; init; }
    [JsonPropertyName("bias")] public string Bias { get; init; } = "none";
    [JsonPropertyName("fan_in_fan_out")] public bool FanInFanOut { get; init; }
    [JsonPropertyName("inference_mode")] public bool InferenceMode { get; init; } = true;
    [JsonPropertyName("init_lora_weights")] public bool InitLoraWeights { get; init; } = true;
    [JsonPropertyName("use_rslora")] public bool UseRsLora { get; init; }
    [JsonPropertyName("use_dora")] public bool UseDora { get; init; }
    [JsonPropertyName("modules_to_save")] public JsonElement? ModulesToSave { get; init; }
    [JsonPropertyName("rank_pattern")] public JsonElement? RankPattern { get; init; }
    [JsonPropertyName("alpha_pattern")] public JsonElement? AlphaPattern { get; init; }
    [JsonPropertyName("layers_to_transform")] public JsonElement? LayersToTransform { get; init; }

    public static AdapterConfig From(LoraSettings settings, string? baseModel, string? revision) => new()
    {
        BaseModelNameOrPath = baseModel,
        Revision = revision,
        Rank = settings.Rank,
        Alpha = settings.Alpha,
        Dropout = settings.Dropout,
        TargetModules = JsonSerializer.SerializeToElement(settings.ResolvedTargets),
        LayersToTransform = settings.LayersToTransform is { } layers ? JsonSerializer.SerializeToElement(layers.Order().ToArray()) : null,
    };

    /// <summary>The settings this file describes; refuses what the engine does not implement.</summary>
    public LoraSettings ToSettings(string source)
    {
        if (PeftType != "LORA")
        {
            throw new NotSupportedException($"{source}: peft_type '{PeftType}' is not supported; only LORA.");
        }

        if (UseDora || UseRsLora || FanInFanOut || Bias != "none" || ModulesToSave is { ValueKind: JsonValueKind.Array })
        {
            throw new NotSupportedException(
                $"{source}: DoRA, rsLoRA, fan_in_fan_out, trained biases and modules_to_save are not supported.");
        }

        if (IsSet(RankPattern) || IsSet(AlphaPattern))
        {
            throw new NotSupportedException(
                $"{source}: per-layer rank_pattern and alpha_pattern are not supported; every target must share r and lora_alpha.");
        }

        IReadOnlyList<int>? layers = LayersToTransform?.ValueKind switch
        {
            null or JsonValueKind.Null => null,
            JsonValueKind.Number when LayersToTransform.Value.TryGetInt32(out var one) => [one],
            JsonValueKind.Array when LayersToTransform.Value.EnumerateArray().All(e => e.ValueKind == JsonValueKind.Number && e.TryGetInt32(out _)) =>
                LayersToTransform.Value.EnumerateArray().Select(e => e.GetInt32()).ToList(),
            _ => throw new InvalidDataException($"{source}: layers_to_transform must be a layer index or a list of them."),
        };

        var targets = TargetModules.ValueKind switch
        {
            JsonValueKind.Array => TargetModules.EnumerateArray().Select(t => t.GetString() ?? "").ToList(),
            JsonValueKind.String => [TargetModules.GetString() ?? ""],
            _ => throw new InvalidDataException($"{source}: target_modules must be a list of module names."),
        };
        var settings = new LoraSettings { Rank = Rank, Alpha = Alpha, Dropout = Dropout, TargetModules = targets, LayersToTransform = layers };
        try
        {
            settings.Validate();
        }
        catch (ArgumentException e)
        {
            throw new InvalidDataException($"{source}: {e.Message}", e);
        }

        return settings;
    }

    private static bool IsSet(JsonElement? value) => value?.ValueKind switch
    {
        JsonValueKind.Object => value.Value.EnumerateObject().Any(),
        JsonValueKind.Array => value.Value.GetArrayLength() > 0,
        JsonValueKind.Number => true,
        _ => false,
    };
}
