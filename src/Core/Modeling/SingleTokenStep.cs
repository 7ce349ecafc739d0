using TensorPrimitives = System.Numerics.Tensors.TensorPrimitives;
using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;
using FineTuneMesh.Core.Kernels;
using static TorchSharp.torch;

namespace FineTuneMesh.Core.Modeling;

/// <summary>
/// The forward pass of one new token of one sequence (a decode step) in the engine's own kernels:
/// embedding row, per layer norm → fused q/k/v → rotary → cache append → attention → o_proj →
/// norm → fused gate/up → SwiGLU → down, then the final norm and lm_head, all on fp32 rows with
/// the weights read in their stored dtype by <see cref="MatVec"/>. Through LibTorch the same step
/// was about 300 small dispatches (about 9 ms of a 48 ms token on a Zen 4); here the only
/// tensors touched are the weights, the cache and the returned logits.
/// </summary>
/// <remarks>
/// LoRA-wrapped projections (<see cref="ILowRankAdapted"/>) keep the fused base product and add
/// B·(A·x)·scaling to their slice. Anything else this step does not know (another module, a
/// weight it cannot read, a batch, a mask, gradients) returns null, and the caller runs the
/// ordinary LibTorch forward.
/// </remarks>
internal static unsafe class SingleTokenStep
{
    /// <summary>Logits [1, vocab] for the one token of <paramref name="inputIds"/> at position cache.Length, or null where this step does not apply.</summary>
    public static Tensor? TryRun(CausalLanguageModel model, Tensor inputIds, KvCache? cache)
    {
        if (cache is null || inputIds.NumberOfElements != 1 || inputIds.shape[0] != 1 || model.training || is_grad_enabled()
            || !MatVec.IsSupported || !Enumerable.Range(0, model.Config.NumHiddenLayers).All(i => cache[i].IsSingleFloat32Sequence)
            || !Readable(model))
        {
            return null;
        }

        var token = inputIds.view(-1).item<long>();
        return Run(model, token, cache);
    }

    private static bool Readable(CausalLanguageModel model)
    {
        bool Linear(nn.Module<Tensor, Tensor> module) => module switch
        {
            Projection p => WeightMatrix.Readable(p.Weight, p.Scale),
            ILowRankAdapted a => WeightMatrix.Readable(a.BaseLayer.Weight, a.BaseLayer.Scale) && WeightMatrix.Readable(a.LoraA.Weight)
                && WeightMatrix.Readable(a.LoraB.Weight) && a.LoraA.Bias is null && a.LoraB.Bias is null,
            _ => false,
        };

        return WeightMatrix.Readable(model.LmHeadWeight, model.LmHeadScale) && WeightMatrix.Readable(model.Model.EmbedTokens.weight!, model.Model.EmbedScale)
            && model.Model.Layers.All(layer => layer.SelfAttention.Projections.Values.All(Linear) && layer.Mlp.Projections.Values.All(Linear));
    }

    // Fully optimised from the first call: a server's first tokens should not run tier-0 code.
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private static Tensor Run(CausalLanguageModel model, long token, KvCache cache)
    {
        var config = model.Config;
        var (hidden, heads, kvHeads, headDim) = (config.HiddenSize, config.NumAttentionHeads, config.KeyValueHeads, config.HeadDim);
        var position = cache.Length;
        var length = (int)position + 1;
        var inner = config.IntermediateSize;
        var qkvSize = (heads + 2 * kvHeads) * headDim;

        // One scratch block for the whole step: x, normed, qkv, attention, projected, gate|up, act, scores per head.
        var floats = 4L * hidden + qkvSize + heads * headDim + 3L * inner + (long)heads * length + headDim;
        var scratch = (float*)NativeMemory.AlignedAlloc((nuint)(floats * sizeof(float)), 64);
        try
        {
            var x = scratch;
            var normed = x + hidden;
            var normScratch = normed + hidden;
            var projected = normScratch + hidden;
            var qkv = projected + hidden;
            var attention = qkv + qkvSize;
            var gateUp = attention + heads * headDim;
            var activated = gateUp + 2L * inner;
            var scores = activated + inner;
            // Every head of every layer rotates by the same angles: the new token's position.
            var cos = scores + (long)heads * length;
            var sin = cos + headDim / 2;
            model.Model.Rotary.Angles(position, new Span<float>(cos, headDim / 2), new Span<float>(sin, headDim / 2));

            WeightMatrix.Of(model.Model.EmbedTokens.weight!, model.Model.EmbedScale).ReadRow(token, x);
            for (var i = 0; i < config.NumHiddenLayers; i++)
            {
                var layer = model.Model.Layers[i];
                VectorMath.RmsNorm(x, layer.InputNorm.Weight, config.RmsNormEps, normed, normScratch, hidden);
                var attn = layer.SelfAttention;
                Fused(attn.Qkv, [attn.Projections["q_proj"], attn.Projections["k_proj"], attn.Projections["v_proj"]], normed, qkv);
                Attend(cache[i], qkv, heads, kvHeads, headDim, position, cos, sin, scores, attention);
                Linear(attn.Projections["o_proj"], attention, projected);
                Add(x, projected, hidden);

                VectorMath.RmsNorm(x, layer.PostAttentionNorm.Weight, config.RmsNormEps, normed, normScratch, hidden);
                var mlp = layer.Mlp;
                Fused(mlp.GateUp, [mlp.Projections["gate_proj"], mlp.Projections["up_proj"]], normed, gateUp);
                VectorMath.SiluMultiply(gateUp, gateUp + inner, activated, inner);
                Linear(mlp.Projections["down_proj"], activated, projected);
                Add(x, projected, hidden);
            }

            VectorMath.RmsNorm(x, model.Model.Norm.Weight, config.RmsNormEps, normed, normScratch, hidden);
            var head = WeightMatrix.Of(model.LmHeadWeight, model.LmHeadScale);
            var logits = empty([1, head.Rows], ScalarType.Float32);
            MatVec.Multiply(head, normed, (float*)logits.DataPointer());
            return logits;
        }
        finally
        {
            NativeMemory.AlignedFree(scratch);
        }
    }

    /// <summary>Rotary positions, the cache append and attention for every head of one layer.</summary>
    private static void Attend(LayerKvCache cache, float* qkv, int heads, int kvHeads, int headDim, long position,
        float* cos, float* sin, float* scores, float* output)
    {
        var (keysTensor, valuesTensor) = cache.ReserveOne(kvHeads, headDim);
        var capacity = keysTensor.shape[2];
        var keys = (float*)keysTensor.DataPointer();
        var values = (float*)valuesTensor.DataPointer();
        var q = qkv;
        var k = qkv + heads * headDim;
        var v = k + kvHeads * headDim;
        for (var h = 0; h < heads; h++)
        {
            VectorMath.Rope(q + h * headDim, headDim, cos, sin);
        }

        for (var h = 0; h < kvHeads; h++)
        {
            VectorMath.Rope(k + h * headDim, headDim, cos, sin);
            var slot = ((long)h * capacity + position) * headDim;
            new ReadOnlySpan<float>(k + h * headDim, headDim).CopyTo(new Span<float>(keys + slot, headDim));
            new ReadOnlySpan<float>(v + h * headDim, headDim).CopyTo(new Span<float>(values + slot, headDim));
        }

        cache.Advance();
        var length = (int)position + 1;
        var groups = heads / kvHeads;
        void Heads(int start, int end)
        {
            for (var h = start; h < end; h++)
            {
                var offset = (long)(h / groups) * capacity * headDim;
                VectorMath.Attend(q + h * headDim, keys + offset, values + offset, length, headDim, scores + (long)h * length, output + h * headDim);
            }
        }

        // A short history is microseconds of work: handing heads to the other core costs more.
        if ((long)heads * length * headDim < 1 << 16)
        {
            Heads(0, heads);
        }
        else
        {
            KernelThreads.Run(heads, Heads);
        }
    }

    /// <summary>
    /// Projections over one input whose weights are row blocks of <paramref name="fused"/>: one
    /// kernel pass where each module is the block itself or an adapter around it, else one each.
    /// </summary>
    private static void Fused(FusedProjections fused, nn.Module<Tensor, Tensor>[] modules, float* x, float* y)
    {
        var bases = modules.Select(m => m is ILowRankAdapted a ? a.BaseLayer : m).ToArray();
        var offset = 0L;
        if (fused.Intact(bases))
        {
            MatVec.Multiply(WeightMatrix.Of(fused.Weight, fused.Scale), x, y);
            if (fused.Bias is not null)
            {
                VectorMath.AddTo(y, fused.Bias);
            }

            foreach (var module in modules)
            {
                var rows = ((Projection)(module is ILowRankAdapted a ? a.BaseLayer : module)).Weight.shape[0];
                if (module is ILowRankAdapted adapted)
                {
                    AddLowRank(adapted, x, y + offset);
                }

                offset += rows;
            }

            return;
        }

        foreach (var module in modules)
        {
            Linear(module, x, y + offset);
            offset += (module is ILowRankAdapted a ? a.BaseLayer : (Projection)module).Weight.shape[0];
        }
    }

    private static void Linear(nn.Module<Tensor, Tensor> module, float* x, float* y)
    {
        var projection = module is ILowRankAdapted a ? a.BaseLayer : (Projection)module;
        MatVec.Multiply(WeightMatrix.Of(projection.Weight, projection.Scale), x, y);
        if (projection.Bias is not null)
        {
            VectorMath.AddTo(y, projection.Bias);
        }

        if (module is ILowRankAdapted adapted)
        {
            AddLowRank(adapted, x, y);
        }
    }

    /// <summary>y += B·(A·x)·scaling, in fp32.</summary>
    private static void AddLowRank(ILowRankAdapted adapter, float* x, float* y)
    {
        var (a, b) = (WeightMatrix.Of(adapter.LoraA.Weight), WeightMatrix.Of(adapter.LoraB.Weight));
        var down = stackalloc float[a.Rows];
        var up = (float*)NativeMemory.AlignedAlloc((nuint)(b.Rows * sizeof(float)), 64);
        try
        {
            MatVec.Multiply(a, x, down);
            MatVec.Multiply(b, down, up);
            var result = new Span<float>(y, b.Rows);
            TensorPrimitives.MultiplyAdd(new ReadOnlySpan<float>(up, b.Rows), (float)adapter.Scaling, result, result);
        }
        finally
        {
            NativeMemory.AlignedFree(up);
        }
    }

    private static void Add(float* x, float* y, int n)
    {
        var span = new Span<float>(x, n);
        TensorPrimitives.Add(span, new ReadOnlySpan<float>(y, n), span);
    }
}
