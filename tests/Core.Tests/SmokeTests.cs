using TorchSharp;

namespace FineTuneMesh.Core.Tests;

public class SmokeTests
{
    [Fact]
    public void TorchSharpLoads() => Assert.Equal(4f, torch.ones(2, 2).sum().item<float>());
}
