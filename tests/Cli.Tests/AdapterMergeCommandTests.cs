namespace FineTuneMesh.Cli.Tests;

/// <summary>adapter merge end to end: a trained adapter folded into the base gives the same logits
/// as base plus adapter, and the merged folder is a complete model that exports to GGUF.</summary>
public sealed class AdapterMergeCommandTests : IDisposable
{
    private readonly string _folder = Path.Combine(Path.GetTempPath(), "ftm-merge-" + Guid.NewGuid().ToString("N"));

    [Fact]
    public void TheMergedFolderGivesTheAdaptedLogitsAndExportsToGguf()
    {
        var model = Path.Combine(_folder, "model");
        var adapter = Path.Combine(_folder, "adapter");
        var merged = Path.Combine(_folder, "merged");
        Directory.CreateDirectory(_folder);
        File.WriteAllLines(Path.Combine(_folder, "data.jsonl"),
        [
            """{"prompt": "What is a list? ", "completion": "An ordered sequence."}""",
            """{"prompt": "What is a dict? ", "completion": "A key to value map."}""",
        ]);
        Assert.Equal(0, CliProcess.Run("model", "init", model, "--std", "0.2", "--seed", "3").ExitCode);
        var train = CliProcess.Run("train", "--model", model, "--data", Path.Combine(_folder, "data.jsonl"), "--output", adapter,
            "--targets", "all-linear", "--lr", "0.01", "--epochs", "3", "--batch-size", "2", "--dtype", "fp32");
        Assert.True(train.ExitCode == 0, train.Output + train.Errors);

        var merge = CliProcess.Run("adapter", "merge", "--model", model, "--adapter", adapter, "--output", merged);

        Assert.True(merge.ExitCode == 0, merge.Output + merge.Errors);
        foreach (var name in new[] { "config.json", "model.safetensors", "tokenizer.json", "tokenizer_config.json", "generation_config.json" })
        {
            Assert.True(File.Exists(Path.Combine(merged, name)), name);
        }

        var ids = "5,17,2,40,9,33,1";
        var adapted = Logits("--model", model, "--adapter", adapter, "--ids", ids);
        var folded = Logits("--model", merged, "--ids", ids);
        var plain = Logits("--model", model, "--ids", ids);
        Assert.Equal(adapted.Length, folded.Length);
        Assert.All(adapted.Zip(folded), p => Assert.True(Math.Abs(p.First - p.Second) <= 1e-5 + 1e-5 * Math.Abs(p.First), $"{p.First} vs {p.Second}"));
        Assert.Contains(adapted.Zip(plain), p => Math.Abs(p.First - p.Second) > 1e-3);

        var gguf = Path.Combine(_folder, "merged.gguf");
        var export = CliProcess.Run("model", "export-gguf", "--model", merged, "--output", gguf, "--type", "f32");
        Assert.True(export.ExitCode == 0, export.Output + export.Errors);
        Assert.Equal("GGUF"u8.ToArray(), File.ReadAllBytes(gguf)[..4]);
    }

    [Fact]
    public void AMissingAdapterIsNamed()
    {
        var model = Path.Combine(_folder, "model");
        Assert.Equal(0, CliProcess.Run("model", "init", model).ExitCode);

        var merge = CliProcess.Run("adapter", "merge", "--model", model, "--adapter", Path.Combine(_folder, "nope"), "--output",
            Path.Combine(_folder, "out"));

        Assert.NotEqual(0, merge.ExitCode);
        Assert.Contains("adapter_config.json", (merge.Output + merge.Errors).Replace("\n", ""));
    }

    private static double[] Logits(params string[] arguments)
    {
        var result = CliProcess.Run(["logits", .. arguments, "--dtype", "fp32", "--json"]);
        Assert.True(result.ExitCode == 0, result.Errors);
        return [.. result.Json.GetProperty("logits").EnumerateArray().Select(x => x.GetDouble())];
    }

    public void Dispose()
    {
        if (Directory.Exists(_folder))
        {
            Directory.Delete(_folder, recursive: true);
        }
    }
}
