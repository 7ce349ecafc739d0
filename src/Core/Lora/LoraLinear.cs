using FineTuneMesh.Core.Modeling;
using static TorchSharp.torch;

namespace FineTuneMesh.Core.Lora;

/// <summary>
/// A frozen projection plus a low-rank update: y = base(x) + B(A(dropout(x))) · alpha/r. A starts
/// uniform in ±1/√in (PEFT's kaiming-uniform default) and B at zero, so at initialisation the
/// output equals the base model's. Adapter weights stay fp32 whatever the base dtype.
/// </summary>
public sealed class LoraLinear : nn.Module<Tensor, Tensor>, ILowRankAdapted
{
    private readonly double _dropout;

    // Dropout draws from the adapter's own generator, reseeded by the trainer every step: the
    // process-wide torch generator is shared with everything else running, which would make a
    // resumed run (or two runs side by side) draw different masks.
    private readonly TorchSharp.torch.Generator _dropoutGenerator = new(0);

    public LoraLinear(Projection baseLayer, LoraSettings settings, TorchSharp.torch.Generator? generator = null)
        : base(nameof(LoraLinear))
    {
        BaseLayer = baseLayer;
        Scaling = settings.Scaling;
        _dropout = settings.Dropout;
        var (outFeatures, inFeatures) = (baseLayer.Weight.shape[0], baseLayer.Weight.shape[1]);
        var device = baseLayer.Weight.device;
        LoraA = new Projection(inFeatures, settings.Rank, hasBias: false, device, ScalarType.Float32);
        LoraB = new Projection(settings.Rank, outFeatures, hasBias: false, device, ScalarType.Float32);
        using (no_grad())
        {
            var bound = 1.0 / Math.Sqrt(inFeatures);
            LoraA.Weight.uniform_(-bound, bound, generator);
            LoraB.Weight.zero_();
        }

        foreach (var parameter in BaseLayer.parameters())
        {
            parameter.requires_grad = false;
        }

        LoraA.Weight.requires_grad = true;
        LoraB.Weight.requires_grad = true;
        register_module("base_layer", BaseLayer);
        register_module("lora_A", LoraA);
        register_module("lora_B", LoraB);
    }

    public Projection BaseLayer { get; }
    public Projection LoraA { get; }
    public Projection LoraB { get; }
    public double Scaling { get; }

    public override Tensor forward(Tensor input) => BaseLayer.call(input) + Update(input);

    public Tensor Update(Tensor input)
    {
        var x = input;
        if (training && _dropout > 0)
        {
            var keep = rand(input.shape, generator: _dropoutGenerator, dtype: input.dtype, device: input.device) >= _dropout;
            x = input * keep / (1 - _dropout);
        }

        return LoraB.call(LoraA.call(x)) * Scaling;
    }

    /// <summary>Fixes the dropout masks of the next forward passes.</summary>
    public void SeedDropout(long seed) => _dropoutGenerator.manual_seed(seed);

    /// <summary>The dense update ΔW = B·A·scaling, shaped like the base weight.</summary>
    public Tensor Delta() => LoraB.Weight.matmul(LoraA.Weight) * Scaling;
}
