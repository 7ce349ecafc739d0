using Microsoft.Extensions.Configuration;

namespace FineTuneMesh.ServiceDefaults;

/// <summary>
/// The model settings every service and the CLI share. They are flat keys, spelled as in the
/// root <c>.env</c> file, so an environment variable of the same name overrides the file.
/// </summary>
public static class FineTuneSettings
{
    /// <summary>A Hugging Face repo id or a local folder.</summary>
    public const string BaseModel = "FINETUNE_BASE_MODEL";

    public const string BaseModelRevision = "FINETUNE_BASE_MODEL_REVISION";

    /// <summary>auto (the default: chosen for the CPU), fp32, bf16, fp16 or q8_0 (int8 weights for serving; training computes as auto).</summary>
    public const string Dtype = "FINETUNE_DTYPE";

    public const string ModelCache = "FINETUNE_MODEL_CACHE";

    /// <summary>Folders (':' or ';' separated) whose model folders remote callers may name; empty by default.</summary>
    public const string ModelRoots = "FINETUNE_MODEL_ROOTS";

    public static IReadOnlyList<string> All { get; } = [BaseModel, BaseModelRevision, Dtype, ModelCache, ModelRoots];

    /// <summary>The configured base model, or null when neither .env nor the environment sets it.</summary>
    public static string? GetBaseModel(this IConfiguration configuration)
    {
        var value = configuration[BaseModel];
        return string.IsNullOrWhiteSpace(value) ? null : value;
    }
}
