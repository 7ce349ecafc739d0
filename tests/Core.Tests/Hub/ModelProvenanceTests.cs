using FineTuneMesh.Core.Hub;

namespace FineTuneMesh.Core.Tests.Hub;

public class ModelProvenanceTests
{
    [Fact]
    public void APulledSnapshotNamesItsRepoAndCommitAndAPlainFolderItsPath()
    {
        using var folder = new TempFolder();
        Assert.Equal(new ModelProvenance(folder.Path, null), ModelProvenance.Of(folder.Path));

        File.WriteAllText(folder.File(PullManifest.FileName), System.Text.Json.JsonSerializer.Serialize(
            new PullManifest("Qwen/Qwen2.5-0.5B-Instruct", "main", "abc123", "https://huggingface.co/", [], 0, DateTimeOffset.UnixEpoch)));
        Assert.Equal(new ModelProvenance("Qwen/Qwen2.5-0.5B-Instruct", "abc123"), ModelProvenance.Of(folder.Path));
    }
}
