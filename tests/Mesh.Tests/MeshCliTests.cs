using System.Text.Json;
using System.Text.RegularExpressions;

namespace FineTuneMesh.Mesh.Tests;

/// <summary>
/// The <c>finetunemesh</c> CLI's mesh commands, run as a real process against the real mesh: from
/// two seeds to a served adapter, and the mesh's errors shown as the API worded them, with exit
/// codes that tell a failed job (1), a refused request (2) and an unreachable mesh (3) apart.
/// </summary>
[Collection(MeshCollection.Name)]
public sealed partial class MeshCliTests(MeshApp mesh)
{
    private static readonly TimeSpan _timeout = TimeSpan.FromMinutes(4);
    private readonly string _work = Directory.CreateTempSubdirectory("finetunemesh-cli-mesh-").FullName;

    [Fact]
    public void FromSeedsToAServedAdapter_WithTheCliAlone()
    {
        var samples = Path.Combine(RepoRoot.Path, "samples", "python-qa");
        var template = Path.Combine(samples, "template.txt");
        var suffix = Guid.NewGuid().ToString("N")[..8];

        var synth = Cli("synth", "--template", template, "--seeds", Path.Combine(samples, "seed.jsonl"), "--count", "12",
            "--provider", "fake", "--output", Path.Combine(_work, "data.jsonl"), "--save-as", $"cli-data-{suffix}");
        Assert.True(synth.ExitCode == 0, synth.Errors + synth.Output);
        Assert.Equal(14, File.ReadAllLines(Path.Combine(_work, "data.jsonl")).Count(l => l.Length > 0));
        var key = DatasetKey().Match(synth.Output).Groups[1].Value;
        Assert.Equal($"library/cli-data-{suffix}/v1.jsonl", key);

        var adapter = $"cli-{suffix}";
        var submit = Cli("jobs", "submit", "--adapter", adapter, "--dataset", key, "--template", template, "--base-model", "builtin/tiny",
            "--epochs", "1", "--lr", "0.005", "--eval-max-tokens", "16", "--watch");
        Assert.True(submit.ExitCode == 0, submit.Errors + submit.Output);
        Assert.Contains($"adapter {adapter} version 1", submit.Output);
        var jobId = JobId().Match(submit.Output).Groups[1].Value;

        Assert.Contains(jobId, Cli("jobs", "list", "--limit", "50").Output);
        var adapters = Cli("adapters", "list");
        Assert.True(adapters.ExitCode == 0, adapters.Errors);
        Assert.Contains(adapter, adapters.Output);

        var pulled = Path.Combine(_work, "pulled");
        var pull = Cli("adapters", "pull", $"{adapter}:1", "--output", pulled);
        Assert.True(pull.ExitCode == 0, pull.Errors + pull.Output);
        foreach (var file in new[] { "adapter_config.json", "adapter_model.safetensors", "metrics.json", "evaluation.json", "manifest.json" })
        {
            Assert.True(File.Exists(Path.Combine(pulled, file)), $"{file} was not pulled: {pull.Output}");
        }

        var generate = Cli("generate", "--mesh", mesh.Gateway.BaseAddress!.ToString(), "--adapter", adapter, "--prompt", "### Question:\nWhat is a list?\n",
            "--temperature", "0", "--max-tokens", "6", "--json");
        Assert.True(generate.ExitCode == 0, generate.Errors + generate.Output);
        var completion = JsonDocument.Parse(generate.Output).RootElement;
        Assert.Equal(adapter, completion.GetProperty("model").GetString());
        Assert.Equal("length", completion.GetProperty("finish_reason").GetString());
        Assert.Equal(6, completion.GetProperty("completion_tokens").GetInt32());

        var chat = CliProcess.Run(["chat", "--mesh", mesh.Gateway.BaseAddress!.ToString(), "--adapter", adapter, "--max-tokens", "4"],
            "hello\n/exit\n", Environment(), _timeout);
        Assert.True(chat.ExitCode == 0, chat.Errors + chat.Output);
        Assert.Contains($"Chatting with {adapter}", chat.Output);
    }

    [Fact]
    public void MeshErrors_AreShownAsTheApiWordedThem_WithExitCodesThatTellFailuresApart()
    {
        var refused = Cli("jobs", "submit", "--adapter", "bad-lr", "--data", Records(), "--template", Template(), "--base-model", "builtin/tiny",
            "--lr", "-1");
        Assert.Equal(2, refused.ExitCode);
        Assert.Contains("400", refused.Errors);
        Assert.Contains("learning rate", refused.Errors, StringComparison.OrdinalIgnoreCase);
        Assert.DoesNotContain("   at ", refused.Errors);

        var unknown = Cli("jobs", "watch", "no-such-job");
        Assert.Equal(2, unknown.ExitCode);
        Assert.Contains("404", unknown.Errors);

        var unreachable = CliProcess.Run(["adapters", "list", "--mesh", "http://127.0.0.1:1"], null, Environment(), _timeout);
        Assert.Equal(3, unreachable.ExitCode);
        Assert.Contains("cannot be reached", unreachable.Errors);
    }

    [Fact]
    public void ACancelledJob_EndsItsWatchWithExitCode1()
    {
        var id = TinyJobs.NewId("cli-cancel");
        var submit = Cli("jobs", "submit", "--id", id, "--adapter", "cli-cancelled", "--data", Records(), "--template", Template(),
            "--base-model", "builtin/tiny", "--epochs", "200", "--batch-size", "1");
        Assert.True(submit.ExitCode == 0, submit.Errors + submit.Output);

        var cancel = Cli("jobs", "cancel", id);
        Assert.True(cancel.ExitCode == 0, cancel.Errors + cancel.Output);
        var watch = Cli("jobs", "watch", id);
        Assert.Equal(1, watch.ExitCode);
        Assert.Contains("cancelled", watch.Errors);
    }

    private CliProcess.Result Cli(params string[] arguments) => CliProcess.Run(arguments, null, Environment(), _timeout, _work);

    private Dictionary<string, string> Environment() => new() { ["FINETUNE_MESH_URL"] = mesh.Gateway.BaseAddress!.ToString() };

    private string Records()
    {
        var path = Path.Combine(_work, "tiny.jsonl");
        File.WriteAllLines(path, TinyJobs.Records().Select(r => r!.ToJsonString()));
        return path;
    }

    private string Template()
    {
        var path = Path.Combine(_work, "tiny-template.txt");
        File.WriteAllText(path, TinyJobs.Template);
        return path;
    }

    [GeneratedRegex(@"--dataset (\S+)")]
    private static partial Regex DatasetKey();

    [GeneratedRegex(@"job (\S+) queued")]
    private static partial Regex JobId();
}
