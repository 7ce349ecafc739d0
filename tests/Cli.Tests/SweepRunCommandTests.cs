using System.Text.Json;

namespace FineTuneMesh.Cli.Tests;

/// <summary>
/// <c>sweep run</c>: a sweep on this machine, trial after trial, with the mesh's planner, early
/// stopping and ranking; each trial's adapter and the leaderboard written out.
/// </summary>
public sealed class SweepRunCommandTests : IDisposable
{
    private readonly string _folder = Directory.CreateTempSubdirectory("ftm-sweep-").FullName;

    [Fact]
    public void ALocalSweep_RanksItsTrials_StopsHopelessOnesEarly_AndWritesEachAdapter()
    {
        var model = Path.Combine(_folder, "model");
        Assert.Equal(0, CliProcess.Run("model", "init", model, "--std", "0.2", "--seed", "3").ExitCode);
        var data = Path.Combine(_folder, "data.jsonl");
        File.WriteAllLines(data, File.ReadLines(Path.Combine(RepoRoot(), "samples", "python-qa", "dataset.jsonl")).Take(20));
        var spec = Path.Combine(_folder, "sweep.json");
        File.WriteAllText(spec, """
            { "job": { "adapterName": "local", "training": {"evalFraction": 0.2, "batchSize": 2, "epochs": 3}, "evaluation": {"maxTokens": 16},
                       "lora": {"targets": ["all-linear"]} },
              "space": { "learningRate": {"values": [0.01, 0.02, 0.00001, 0.000005]} } }
            """);
        var output = Path.Combine(_folder, "out");

        var run = CliProcess.Run(["sweep", "run", "--spec", spec, "--data", data, "--template",
            Path.Combine(RepoRoot(), "samples", "python-qa", "template.txt"), "--model", model, "--output", output], null, null, TimeSpan.FromMinutes(4));

        Assert.True(run.ExitCode == 0, run.Errors + run.Output);
        var board = JsonDocument.Parse(File.ReadAllText(Path.Combine(output, "leaderboard.json"))).RootElement.GetProperty("leaderboard");
        Assert.Equal([1, 2, 3, 4], board.EnumerateArray().Select(s => s.GetProperty("rank").GetInt32()));
        var first = board[0];
        Assert.Equal("succeeded", first.GetProperty("status").GetString());
        Assert.True(first.GetProperty("settings").GetProperty("learningRate").GetDouble() >= 0.01);
        Assert.True(File.Exists(Path.Combine(output, $"trial-{first.GetProperty("index").GetInt32()}", "adapter_model.safetensors")));
        var stopped = board.EnumerateArray().Where(s => s.GetProperty("status").GetString() == "cancelled").ToList();
        Assert.NotEmpty(stopped);
        Assert.All(stopped, s => Assert.Contains("stopped early", s.GetProperty("note").GetString()));
        Assert.All(stopped, s => Assert.True(s.GetProperty("settings").GetProperty("learningRate").GetDouble() < 0.001));
    }

    [Fact]
    public void AnInvertedSpace_IsRefusedWithTheReason()
    {
        var spec = Path.Combine(_folder, "bad.json");
        File.WriteAllText(spec, """{ "job": {"template": "Q: {q}\nA: {a}\n### END"}, "space": { "learningRate": {"min": 0.1, "max": 0.01} } }""");
        var data = Path.Combine(_folder, "data.jsonl");
        File.WriteAllText(data, """{"q": "x", "a": "y"}""");

        var run = CliProcess.Run("sweep", "run", "--spec", spec, "--data", data, "--model", "builtin/tiny");

        Assert.Equal(2, run.ExitCode);
        Assert.Contains("inverted", run.Errors);
    }

    public void Dispose() => Directory.Delete(_folder, recursive: true);

    private static string RepoRoot()
    {
        for (var dir = new DirectoryInfo(AppContext.BaseDirectory); dir is not null; dir = dir.Parent)
        {
            if (File.Exists(Path.Combine(dir.FullName, "FineTuneMesh.sln")))
            {
                return dir.FullName;
            }
        }

        throw new DirectoryNotFoundException("no FineTuneMesh.sln above the test binaries.");
    }
}
