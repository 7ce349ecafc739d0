using FineTuneMesh.Core.Hub;

namespace FineTuneMesh.Core.Tests.Hub;

public class ModelReferenceTests
{
    [Theory]
    [InlineData("Qwen/Qwen2.5-0.5B-Instruct", "Qwen/Qwen2.5-0.5B-Instruct", "main")]
    [InlineData("Qwen/Qwen2.5-0.5B@v1.0", "Qwen/Qwen2.5-0.5B", "v1.0")]
    [InlineData("org/model_x@refs/pr/3", "org/model_x", "refs/pr/3")]
    [InlineData("org/m@0123456789abcdef0123456789abcdef01234567", "org/m", "0123456789abcdef0123456789abcdef01234567")]
    public void ParseSplitsRepoAndRevision(string text, string repoId, string revision)
    {
        var reference = ModelReference.Parse(text);

        Assert.Equal(new ModelReference(repoId, revision), reference);
        Assert.Equal($"{repoId}@{revision}", reference.ToString());
    }

    [Theory]
    [InlineData("")]
    [InlineData("noslash")]
    [InlineData("../x")]
    [InlineData("a/b/c")]
    [InlineData("a/b@")]
    [InlineData("a/b@../main")]
    [InlineData("-a/b")]
    [InlineData("a/b.")]
    public void MalformedReferencesAreRefused(string text)
    {
        Assert.Throws<HubException>(() => ModelReference.Parse(text));
        Assert.False(ModelReference.TryParse(text, out var reference));
        Assert.Null(reference);
    }

    [Theory]
    [InlineData("./models/qwen", true)]
    [InlineData("../qwen", true)]
    [InlineData("/opt/models/qwen", true)]
    [InlineData("~/models/qwen", true)]
    [InlineData(".", true)]
    [InlineData("Qwen/Qwen2.5-0.5B", false)]
    [InlineData("Qwen/Qwen2.5-0.5B@main", false)]
    public void IsLocalFolderTellsPathsFromRepoIds(string text, bool local)
    {
        Assert.Equal(local, ModelReference.IsLocalFolder(text));
    }

    [Fact]
    public void AnExistingRelativeFolderIsLocal()
    {
        using var folder = new TempFolder();
        Directory.CreateDirectory(Path.Combine(folder.Path, "org", "name"));
        var relative = Path.GetRelativePath(Environment.CurrentDirectory, Path.Combine(folder.Path, "org", "name"));

        Assert.True(ModelReference.IsLocalFolder(relative));
    }
}
