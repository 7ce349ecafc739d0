using Microsoft.Extensions.Configuration;

namespace FineTuneMesh.ServiceDefaults.Tests;

public sealed class DotEnvFileTests : IDisposable
{
    private readonly string _directory = Directory.CreateTempSubdirectory("ftm-dotenv-").FullName;

    public void Dispose() => Directory.Delete(_directory, recursive: true);

    [Fact]
    public void Parse_ReadsValues_SkipsCommentsAndBlankLines_StripsQuotes()
    {
        var values = DotEnvFile.Parse(
            """
            # A comment line
            FINETUNE_BASE_MODEL=Qwen/Qwen2.5-0.5B-Instruct

               # an indented comment
            DOUBLE="two words # not a comment"
            SINGLE='literal \n kept'
            ESCAPED="line1\nline2 \"quoted\""
            INLINE=value # trailing comment
            HASH=a#b
            export EXPORTED=yes
            EMPTY=
            Gateway__ApiKey=nested
            """);

        Assert.Equal("Qwen/Qwen2.5-0.5B-Instruct", values["FINETUNE_BASE_MODEL"]);
        Assert.Equal("two words # not a comment", values["DOUBLE"]);
        Assert.Equal("literal \\n kept", values["SINGLE"]);
        Assert.Equal("line1\nline2 \"quoted\"", values["ESCAPED"]);
        Assert.Equal("value", values["INLINE"]);
        Assert.Equal("a#b", values["HASH"]);
        Assert.Equal("yes", values["EXPORTED"]);
        Assert.Equal(string.Empty, values["EMPTY"]);
        Assert.Equal("nested", values["Gateway:ApiKey"]);
        Assert.Equal(9, values.Count);
    }

    [Theory]
    [InlineData("NO_EQUALS_SIGN")]
    [InlineData("=value")]
    [InlineData("TWO WORDS=value")]
    [InlineData("OPEN=\"never closed")]
    public void Parse_RejectsMalformedLines_WithTheLineNumber(string line)
    {
        var error = Assert.Throws<FormatException>(() => DotEnvFile.Parse($"# first\n{line}\n"));
        Assert.Contains("line 2", error.Message);
    }

    [Fact]
    public void FindNearest_WalksUpFromTheStartDirectory()
    {
        var path = WriteEnv("A=1");
        var nested = Directory.CreateDirectory(Path.Combine(_directory, "src", "Service")).FullName;

        Assert.Equal(path, DotEnvFile.FindNearest(null, nested));
    }

    [Fact]
    public void FileValuesLoad_AndEnvironmentVariablesOverrideThem()
    {
        // Unique names: tests run in parallel and the process environment is shared.
        var suffix = Guid.NewGuid().ToString("N")[..8].ToUpperInvariant();
        var overridden = $"FTM_TEST_OVERRIDDEN_{suffix}";
        var fileOnly = $"FTM_TEST_FILE_ONLY_{suffix}";
        var path = WriteEnv($"{overridden}=from-file\n{fileOnly}=\"quoted from file\"\n");
        Environment.SetEnvironmentVariable(overridden, "from-environment");
        try
        {
            // The order WebApplication.CreateBuilder uses: appsettings, then the environment.
            var configuration = new ConfigurationManager();
            configuration.AddInMemoryCollection(new Dictionary<string, string?>
            {
                [fileOnly] = "from-appsettings",
            });
            configuration.AddEnvironmentVariables();

            configuration.AddDotEnvFile(path);

            Assert.Equal("from-environment", configuration[overridden]);
            Assert.Equal("quoted from file", configuration[fileOnly]);
        }
        finally
        {
            Environment.SetEnvironmentVariable(overridden, null);
        }
    }

    [Fact]
    public void AddDotEnvFile_WithoutAFile_ChangesNothing()
    {
        var configuration = new ConfigurationManager();
        var sources = configuration.Sources.Count;

        configuration.AddDotEnvFile(null);
        configuration.AddDotEnvFile(Path.Combine(_directory, "missing.env"));

        Assert.Equal(sources, configuration.Sources.Count);
    }

    [Fact]
    public void BaseModel_IsReadFromTheDotEnvKey()
    {
        var configuration = new ConfigurationManager();
        configuration.AddDotEnvFile(WriteEnv("FINETUNE_BASE_MODEL='org/model'\n"));

        Assert.Equal("org/model", configuration.GetBaseModel());
        Assert.Null(new ConfigurationManager().GetBaseModel());
    }

    private string WriteEnv(string text)
    {
        var path = Path.Combine(_directory, DotEnvFile.FileName);
        File.WriteAllText(path, text);
        return path;
    }
}
