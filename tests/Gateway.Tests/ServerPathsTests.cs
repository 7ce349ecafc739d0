using FineTuneMesh.ServiceDefaults;

namespace FineTuneMesh.Gateway.Tests;

public sealed class ServerPathsTests
{
    [Theory]
    [InlineData("/etc/tokenizer.json: tokenizer file not found", "tokenizer.json: tokenizer file not found")]
    [InlineData("Could not find file '/root/.cache/finetunemesh/models/x/config.json'.", "Could not find file 'config.json'.")]
    [InlineData("the folder /srv/models/qwen/ has no weights", "the folder qwen has no weights")]
    [InlineData("read ~/.cache/models/a.bin failed", "read a.bin failed")]
    [InlineData("/tmp/finetunemesh-validate-1.jsonl line 3: bad", "finetunemesh-validate-1.jsonl line 3: bad")]
    public void AbsolutePaths_AreCutToTheirLastSegment(string message, string expected) =>
        Assert.Equal(expected, ServerPaths.Redact(message));

    [Theory]
    [InlineData("upload it with PUT /api/train/datasets/{name} first.")]
    [InlineData("see s3://datasets/synth/abc.jsonl and /v1/models")]
    [InlineData("dataset key 'uploads/a.jsonl' is fine")]
    [InlineData("learning rate must be positive")]
    public void RoutesKeysAndPlainText_Stay(string message) =>
        Assert.Equal(message, ServerPaths.Redact(message));
}
