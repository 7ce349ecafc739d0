using System.Security.Cryptography;
using System.Text;

namespace FineTuneMesh.Core.Tests.Hub;

/// <summary>A Hub repo in memory: files at one commit, plus names the server lists but does not serve.</summary>
internal sealed class FakeRepo
{
    public const string Sha = "0123456789abcdef0123456789abcdef01234567";

    public string RepoId { get; init; } = "tiny-org/tiny-model";

    public Dictionary<string, byte[]> Files { get; } = new(StringComparer.Ordinal);

    /// <summary>Extra "rfilename" entries in the revision answer, e.g. hostile paths.</summary>
    public List<string> ExtraSiblings { get; } = [];

    /// <summary>Files the client should take from this repo.</summary>
    public static readonly string[] ModelFiles =
        ["config.json", "generation_config.json", "tokenizer.json", "tokenizer_config.json", "model.safetensors", "vocab.txt"];

    public static FakeRepo Create(int weightBytes = 300_000)
    {
        var repo = new FakeRepo();
        repo.Files["config.json"] = Encoding.UTF8.GetBytes("""{"model_type":"qwen2","hidden_size":32}""");
        repo.Files["generation_config.json"] = Encoding.UTF8.GetBytes("""{"eos_token_id":2}""");
        repo.Files["tokenizer.json"] = Encoding.UTF8.GetBytes("""{"model":{"type":"BPE"}}""");
        repo.Files["tokenizer_config.json"] = Encoding.UTF8.GetBytes("""{"add_bos_token":false}""");
        repo.Files["vocab.txt"] = Encoding.UTF8.GetBytes("a\nb\n");
        var weights = new byte[weightBytes];
        new Random(7).NextBytes(weights);
        repo.Files["model.safetensors"] = weights;
        repo.Files["pytorch_model.bin"] = [1, 2, 3];
        repo.Files["model.onnx"] = [4, 5, 6];
        repo.Files["README.md"] = Encoding.UTF8.GetBytes("# tiny");
        repo.Files["onnx/decoder.json"] = Encoding.UTF8.GetBytes("{}");
        return repo;
    }

    public static string Sha256(byte[] bytes) => Convert.ToHexStringLower(SHA256.HashData(bytes));
}
