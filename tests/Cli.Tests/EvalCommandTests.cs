using System.Text.Json;

namespace FineTuneMesh.Cli.Tests;

/// <summary>The eval command on a tiny model before and after the train command taught it a template.</summary>
public sealed class EvalCommandTests : IDisposable
{
    private readonly string _folder = Path.Combine(Path.GetTempPath(), "ftm-eval-" + Guid.NewGuid().ToString("N"));

    [Fact]
    public void EvalReportsAdherenceAndExactMatchBeforeAndAfterTraining()
    {
        var model = Path.Combine(_folder, "model");
        var adapter = Path.Combine(_folder, "adapter");
        var data = Path.Combine(_folder, "data.jsonl");
        var template = Path.Combine(_folder, "template.txt");
        var report = Path.Combine(_folder, "reports", "trained.json");
        Directory.CreateDirectory(_folder);
        File.WriteAllText(template, "### You asked:\n{question}\n\n### The answer is:\n{answer}\n### DONE!");
        File.WriteAllLines(data,
        [
            """{"question": "What is a list?", "answer": "An ordered sequence."}""",
            """{"question": "What is a dict?", "answer": "A key to value map."}""",
            """{"question": "What is None?", "answer": "The null object."}""",
        ]);
        Assert.Equal(0, CliProcess.Run("model", "init", model, "--std", "0.2", "--seed", "5").ExitCode);
        var train = CliProcess.Run("train", "--model", model, "--data", data, "--template", template, "--output", adapter,
            "--targets", "all-linear", "--lr", "0.01", "--epochs", "60", "--batch-size", "3", "--seed", "1");
        Assert.True(train.ExitCode == 0, train.Output + train.Errors);

        var before = CliProcess.Run("eval", "--model", model, "--data", data, "--template", template, "--temperature", "0",
            "--max-tokens", "40", "--json");
        var after = CliProcess.Run("eval", "--model", model, "--adapter", adapter, "--data", data, "--template", template,
            "--temperature", "0", "--max-tokens", "40", "--output", report, "--json");

        Assert.True(before.ExitCode == 0, before.Errors);
        Assert.True(after.ExitCode == 0, after.Errors);
        Assert.Equal(0, before.Json.GetProperty("adherent").GetInt32());
        Assert.Equal(0.0, before.Json.GetProperty("exact_match_rate").GetDouble());

        var json = after.Json;
        Assert.Equal(3, json.GetProperty("count").GetInt32());
        Assert.Equal(1.0, json.GetProperty("adherence_rate").GetDouble());
        Assert.Equal(0.0, json.GetProperty("run_on_rate").GetDouble());
        Assert.Equal(1.0, json.GetProperty("exact_match_rate").GetDouble());
        var first = json.GetProperty("examples")[0];
        Assert.Equal("adherent", first.GetProperty("class").GetString());
        Assert.Equal("stop", first.GetProperty("finish_reason").GetString());
        Assert.Equal("What is a list?", first.GetProperty("fields").GetProperty("question").GetString());
        Assert.Equal("An ordered sequence.", first.GetProperty("answer").GetString());
        Assert.Equal("An ordered sequence.\n", first.GetProperty("text").GetString());

        var written = JsonDocument.Parse(File.ReadAllText(report)).RootElement;
        Assert.Equal(1.0, written.GetProperty("adherence_rate").GetDouble());
        Assert.Equal(3, written.GetProperty("examples").GetArrayLength());
    }

    public void Dispose()
    {
        if (Directory.Exists(_folder))
        {
            Directory.Delete(_folder, recursive: true);
        }
    }
}
