namespace FineTuneMesh.Cli.Tests;

/// <summary>The train command end to end: data file and template in, PEFT adapter out, and the
/// adapter then changes what generate says.</summary>
public sealed class TrainCommandTests : IDisposable
{
    private readonly string _folder = Path.Combine(Path.GetTempPath(), "ftm-train-" + Guid.NewGuid().ToString("N"));

    [Fact]
    public void ATrainedAdapterAnswersInTheTemplateAndStops()
    {
        var model = Path.Combine(_folder, "model");
        var adapter = Path.Combine(_folder, "adapter");
        Directory.CreateDirectory(_folder);
        File.WriteAllText(Path.Combine(_folder, "template.txt"), "### You asked:\n{question}\n\n### The answer is:\n{answer}\n### DONE!");
        File.WriteAllLines(Path.Combine(_folder, "data.jsonl"),
        [
            """{"question": "What is a list?", "answer": "An ordered sequence."}""",
            """{"question": "What is a dict?", "answer": "A key to value map."}""",
            """{"question": "What is None?", "answer": "The null object."}""",
        ]);
        Assert.Equal(0, CliProcess.Run("model", "init", model, "--seed", "5").ExitCode);

        var train = CliProcess.Run("train", "--model", model, "--data", Path.Combine(_folder, "data.jsonl"),
            "--template", Path.Combine(_folder, "template.txt"), "--output", adapter, "--targets", "all-linear",
            "--lr", "0.01", "--epochs", "60", "--batch-size", "3", "--seed", "1");

        Assert.True(train.ExitCode == 0, train.Output + train.Errors);
        Assert.Contains("trainable params:", train.Output);
        Assert.True(File.Exists(Path.Combine(adapter, "adapter_config.json")));
        Assert.True(File.Exists(Path.Combine(adapter, "adapter_model.safetensors")));

        var prompt = "### You asked:\nWhat is a dict?\n\n### The answer is:\n";
        var tuned = CliProcess.Run("generate", "--model", model, "--adapter", adapter, "--prompt", prompt,
            "--temperature", "0", "--max-tokens", "40", "--stop", "### DONE!", "--json");
        Assert.True(tuned.ExitCode == 0, tuned.Errors);
        Assert.Equal("A key to value map.\n", tuned.Json.GetProperty("text").GetString());
        Assert.Equal("stop", tuned.Json.GetProperty("finish_reason").GetString());

        var untuned = CliProcess.Run("generate", "--model", model, "--prompt", prompt, "--temperature", "0",
            "--max-tokens", "40", "--stop", "### DONE!", "--json");
        Assert.NotEqual("A key to value map.\n", untuned.Json.GetProperty("text").GetString());
    }

    [Fact]
    public void ADatasetLineThatDoesNotParseIsNamed()
    {
        var model = Path.Combine(_folder, "model");
        Directory.CreateDirectory(_folder);
        File.WriteAllLines(Path.Combine(_folder, "bad.jsonl"), ["""{"prompt": "a", "completion": "b"}""", "{ not json"]);
        Assert.Equal(0, CliProcess.Run("model", "init", model).ExitCode);

        var train = CliProcess.Run("train", "--model", model, "--data", Path.Combine(_folder, "bad.jsonl"), "--output",
            Path.Combine(_folder, "out"));

        Assert.NotEqual(0, train.ExitCode);
        Assert.Contains("bad.jsonl:2", (train.Output + train.Errors).Replace("\n", ""));
    }

    public void Dispose()
    {
        if (Directory.Exists(_folder))
        {
            Directory.Delete(_folder, recursive: true);
        }
    }
}
