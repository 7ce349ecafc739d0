namespace FineTuneMesh.Core.Hub;

/// <summary>
/// Which files of a Hub repo make a model folder: top-level safetensors weights and their index,
/// configs, tokenizer files and other small text files. Other weight formats (PyTorch pickles, TF,
/// Flax, ONNX, GGUF) and subfolders are left on the server.
/// </summary>
public static class ModelFileFilter
{
    private static readonly HashSet<string> _wantedExtensions = new(StringComparer.OrdinalIgnoreCase)
    {
        ".safetensors", ".json", ".txt", ".jinja", ".model", ".tiktoken",
    };

    private static readonly HashSet<string> _skippedExtensions = new(StringComparer.OrdinalIgnoreCase)
    {
        ".bin", ".pt", ".pth", ".ckpt", ".h5", ".msgpack", ".onnx", ".onnx_data", ".gguf", ".ot", ".tflite", ".mlmodel",
    };

    public static bool IsWanted(string fileName)
    {
        if (fileName.Contains('/') || fileName.Equals(PullManifest.FileName, StringComparison.OrdinalIgnoreCase))
        {
            return false;
        }

        var extension = Path.GetExtension(fileName);
        return !_skippedExtensions.Contains(extension) && _wantedExtensions.Contains(extension);
    }
}
