namespace FineTuneMesh.Trainer.Worker.Exports;

/// <summary>What an adapter version can be exported as, and the one file each export is stored as.</summary>
public static class ExportFormat
{
    /// <summary>The base model with the adapter folded in: a Hugging Face model folder, zipped.</summary>
    public const string Merged = "merged";

    /// <summary>The merged model as one GGUF file (F16) for llama.cpp and Ollama.</summary>
    public const string Gguf = "gguf";

    public static IReadOnlyList<string> All { get; } = [Merged, Gguf];

    public static string? FileOf(string format) => format switch
    {
        Merged => "merged-model.zip",
        Gguf => "model-f16.gguf",
        _ => null,
    };
}
