using System.Text.Json;
using System.Text.Json.Serialization;

namespace FineTuneMesh.Core.Modeling;

/// <summary>The model author's sampling defaults from <c>generation_config.json</c> (all optional).</summary>
public sealed record GenerationDefaults
{
    [JsonPropertyName("do_sample")] public bool? DoSample { get; init; }
    [JsonPropertyName("temperature")] public double? Temperature { get; init; }
    [JsonPropertyName("top_k")] public int? TopK { get; init; }
    [JsonPropertyName("top_p")] public double? TopP { get; init; }
    [JsonPropertyName("min_p")] public double? MinP { get; init; }
    [JsonPropertyName("repetition_penalty")] public double? RepetitionPenalty { get; init; }
    [JsonPropertyName("max_new_tokens")] public int? MaxNewTokens { get; init; }
    [JsonPropertyName("bos_token_id")] public int? BosTokenId { get; init; }
    [JsonPropertyName("pad_token_id")] public int? PadTokenId { get; init; }
    [JsonPropertyName("eos_token_id")] public JsonElement? EosTokenId { get; init; }

    [JsonIgnore]
    public IReadOnlyList<int> EosTokenIds => EosTokenId switch
    {
        { ValueKind: JsonValueKind.Number } e => [e.GetInt32()],
        { ValueKind: JsonValueKind.Array } e => [.. e.EnumerateArray().Select(x => x.GetInt32())],
        _ => [],
    };

    public const string FileName = "generation_config.json";

    /// <summary>Reads the file if present; a model folder without one gets empty defaults.</summary>
    public static GenerationDefaults Load(string folder)
    {
        var path = Path.Combine(folder, FileName);
        if (!File.Exists(path))
        {
            return new GenerationDefaults();
        }

        try
        {
            return JsonSerializer.Deserialize<GenerationDefaults>(File.ReadAllText(path)) ?? new GenerationDefaults();
        }
        catch (JsonException e)
        {
            throw new InvalidDataException($"{path}: not valid JSON ({e.Message}).", e);
        }
    }

    public void Save(string folder) =>
        File.WriteAllText(Path.Combine(folder, FileName), JsonSerializer.Serialize(this, ModelConfig.JsonOptions));
}
