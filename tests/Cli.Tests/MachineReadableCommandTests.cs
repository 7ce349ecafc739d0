namespace FineTuneMesh.Cli.Tests;

/// <summary>The JSON commands scripts and checks rely on, run as a real process on a model it makes.</summary>
public sealed class MachineReadableCommandTests : IDisposable
{
    private readonly string _model = Path.Combine(Path.GetTempPath(), "ftm-cli-" + Guid.NewGuid().ToString("N"));

    public MachineReadableCommandTests()
    {
        var init = CliProcess.Run("model", "init", _model, "--std", "0.2", "--seed", "3");
        Assert.True(init.ExitCode == 0, init.Errors);
    }

    [Fact]
    public void LogitsPrintsEveryVocabularyLogitAndAGreedyContinuation()
    {
        var result = CliProcess.Run("logits", "--model", _model, "--ids", "1,2,3", "--greedy", "4", "--json");

        Assert.True(result.ExitCode == 0, result.Errors);
        var json = result.Json;
        Assert.Equal([1, 2, 3], json.GetProperty("prompt_ids").EnumerateArray().Select(e => e.GetInt32()));
        var logits = json.GetProperty("logits").EnumerateArray().Select(e => e.GetSingle()).ToArray();
        Assert.Equal(464, logits.Length); // the tiny preset's vocab_size (459 tokens padded to 16)
        var greedy = json.GetProperty("greedy_ids").EnumerateArray().Select(e => e.GetInt32()).ToArray();
        Assert.Equal(4, greedy.Length);
        Assert.Equal(Array.IndexOf(logits, logits.Max()), greedy[0]);
    }

    [Fact]
    public void TokenizeAndGenerateRoundTripThroughTheSameTokenizer()
    {
        var tokens = CliProcess.Run("tokenize", "--model", _model, "--text", "<|im_start|>user\nhi", "--json");
        Assert.True(tokens.ExitCode == 0, tokens.Errors);
        var ids = tokens.Json.GetProperty("ids").EnumerateArray().Select(e => e.GetInt32()).ToArray();
        Assert.Equal(457, ids[0]); // <|im_start|> is one special token

        var generated = CliProcess.Run("generate", "--model", _model, "--prompt", "hello", "--temperature", "0",
            "--max-tokens", "12", "--json");
        Assert.True(generated.ExitCode == 0, generated.Errors);
        var json = generated.Json;
        Assert.Equal("length", json.GetProperty("finish_reason").GetString());
        Assert.Equal(12, json.GetProperty("token_ids").GetArrayLength());
        Assert.Equal(12, json.GetProperty("completion_tokens").GetInt32());
    }

    [Fact]
    public void BadInputIsAClearErrorAndANonZeroExit()
    {
        var badIds = CliProcess.Run("logits", "--model", _model, "--ids", "1,x", "--json");
        Assert.NotEqual(0, badIds.ExitCode);
        Assert.Contains("'x' is not a token id", badIds.Output + badIds.Errors);

        var outOfRange = CliProcess.Run("logits", "--model", _model, "--ids", "99999", "--json");
        Assert.NotEqual(0, outOfRange.ExitCode);
        Assert.Contains("outside the model's vocabulary", outOfRange.Output + outOfRange.Errors);

        var missing = CliProcess.Run("generate", "--model", "/nonexistent/owner/model", "--prompt", "x");
        Assert.NotEqual(0, missing.ExitCode);
    }

    public void Dispose()
    {
        if (Directory.Exists(_model))
        {
            Directory.Delete(_model, recursive: true);
        }
    }
}
