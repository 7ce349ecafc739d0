using FineTuneMesh.Core.Kernels;
using FineTuneMesh.Core.Modeling;
using static TorchSharp.torch;

namespace FineTuneMesh.Core.Tests.Kernels;

/// <summary>The decode kernel computes what LibTorch's linear computes, for every shape and dtype.</summary>
public class ProjectionKernelTests
{
    [Theory]
    [InlineData(896, 4864, ScalarType.BFloat16)]
    [InlineData(896, 4864, ScalarType.Float32)]
    [InlineData(70, 33, ScalarType.BFloat16)]   // columns not a multiple of the vector width
    [InlineData(70, 33, ScalarType.Float32)]
    [InlineData(64, 3, ScalarType.BFloat16)]    // fewer rows than threads
    [InlineData(4864, 896, ScalarType.BFloat16)]
    public void OneAndTwoRowsMatchLinear(int inFeatures, int outFeatures, ScalarType dtype)
    {
        using var scope = NewDisposeScope();
        using var noGrad = no_grad();
        var generator = new TorchSharp.torch.Generator(9);
        var weight = randn([outFeatures, inFeatures], generator: generator).to(dtype);
        var bias = randn([outFeatures], generator: generator).to(dtype);
        foreach (var rows in new[] { 1, 2 })
        {
            var x = randn([1, rows, inFeatures], generator: generator);                       // fp32 activations

            var kernel = Projection.Apply(x, weight, bias);
            // Where the CPU multiplies bf16 pairs, the kernel rounds the activations to bf16 first.
            var input = dtype == ScalarType.BFloat16 && MatVec.UseAvx512 && MatVec.UseBFloat16DotProducts ? x.to(dtype).to(ScalarType.Float32) : x;
            var reference = nn.functional.linear(input, weight.to(ScalarType.Float32), bias.to(ScalarType.Float32));

            Assert.Equal(reference.shape, kernel.shape);
            Assert.Equal(ScalarType.Float32, kernel.dtype);
            var scale = reference.abs().max().item<float>();
            Assert.True(kernel.allclose(reference, rtol: 0, atol: 1e-5 * Math.Max(1, scale)),
                $"rows {rows}: max |diff| {(kernel - reference).abs().max().item<float>()} at scale {scale}");
        }
    }

    [Fact]
    public void GradientsStillFlowThroughLinear()
    {
        using var scope = NewDisposeScope();
        var weight = randn(8, 16).requires_grad_(true);
        var x = randn(1, 16);

        Projection.Apply(x, weight, null).sum().backward();

        Assert.NotNull(weight.grad);
        Assert.True(weight.grad!.allclose(x.expand(8, 16)));
    }

    [Fact]
    public void Bf16DecodeStaysCloseToFp32()
    {
        using var folder = new TempFolder();
        TinyModels.WriteWeights(folder, TinyModels.Config(), std: 0.2);
        using var fp32 = ModelLoader.Load(folder.Path, ScalarType.Float32);
        using var bf16 = ModelLoader.Load(folder.Path, ScalarType.BFloat16);
        using var scope = NewDisposeScope();
        using var noGrad = no_grad();
        var ids = tensor(new long[] { 3, 14, 15, 92, 65, 35 }).view(1, -1);

        var expected = fp32.ForwardLast(ids);
        var actual = bf16.ForwardLast(ids);

        // bf16 keeps 8 bits of mantissa: logits agree to about 1% of their range, and the top token matches.
        Assert.Equal(ScalarType.Float32, actual.dtype);
        Assert.True((actual - expected).abs().max().item<float>() < 0.05 * expected.abs().max().item<float>() + 0.05);
        Assert.Equal(expected.argmax().item<long>(), actual.argmax().item<long>());
    }
}
