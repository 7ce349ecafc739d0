using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;
using FineTuneMesh.Core.Kernels;
using static TorchSharp.torch;
using TensorPrimitives = System.Numerics.Tensors.TensorPrimitives;

namespace FineTuneMesh.Core.Modeling;

/// <summary>
/// The forward pass of a few new tokens of one sequence (a decode step, or a decode step with
/// drafted tokens to verify) in the engine's own kernels: embedding rows, per layer norm → fused
/// q/k/v → rotary → cache append → attention → o_proj → norm → fused gate/up → SwiGLU → down, then
/// the final norm and lm_head, all on fp32 rows with the weights read in their stored dtype by
/// <see cref="MatVec"/> (each weight row once for all the tokens). Through LibTorch one token was
/// about 300 small dispatches (about 9 ms of a 48 ms token on a Zen 4); here the only tensors
/// touched are the weights, the cache and the returned logits.
/// </summary>
/// <remarks>
/// Each token's logits are computed exactly as if it came alone, bit for bit: speculative decoding
/// relies on that to give the same tokens as plain decoding. LoRA-wrapped projections
/// (<see cref="ILowRankAdapted"/>) keep the fused base product and add B·(A·x)·scaling to their
/// slice. Anything this step does not know (another module, a weight it cannot read, a batch of
/// sequences, a mask, gradients) returns null, and the caller runs the ordinary LibTorch forward.
/// </remarks>
internal static unsafe class TokenStep
{
    /// <summary>The most tokens one call takes (the draft length of speculative decoding is below it).</summary>
    public const int MaxTokens = 16;

    /// <summary>
    /// Logits [T, vocab] for the T tokens of <paramref name="inputIds"/> [1, T] at positions
    /// cache.Length onwards, or null where this step does not apply.
    /// </summary>
    public static Tensor? TryRun(CausalLanguageModel model, Tensor inputIds, KvCache? cache)
    {
        if (cache is null || inputIds.dim() != 2 || inputIds.shape[0] != 1 || inputIds.shape[1] is < 1 or > MaxTokens
            || model.training || is_grad_enabled() || !MatVec.IsSupported
            || !Enumerable.Range(0, model.Config.NumHiddenLayers).All(i => cache[i].IsSingleFloat32Sequence)
            || !Readable(model))
        {
            return null;
        }

        return Run(model, inputIds.view(-1).data<long>().ToArray(), cache);
    }

    /// <summary>Whether this step runs the model's modules and weights as they are now.</summary>
    public static bool Readable(CausalLanguageModel model)
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
    private static Tensor Run(CausalLanguageModel model, long[] tokens, KvCache cache)
    {
        var config = model.Config;
        var (hidden, heads, kvHeads, headDim) = (config.HiddenSize, config.NumAttentionHeads, config.KeyValueHeads, config.HeadDim);
        var count = tokens.Length;
        var position = cache.Length;
        var length = (int)position + count;
        var inner = config.IntermediateSize;
        var qkvSize = (heads + 2 * kvHeads) * headDim;

        // One scratch block for the whole step, per token: x, normed, projected, qkv, attention,
        // gate|up, act; then a norm's weights, the scores of every head, and each token's cos|sin.
        var perToken = 3L * hidden + qkvSize + heads * headDim + 3L * inner;
        var floats = count * perToken + hidden + (long)heads * length + (long)count * headDim;
        var scratch = (float*)NativeMemory.AlignedAlloc((nuint)(floats * sizeof(float)), 64);
        try
        {
            var x = scratch;
            var normed = x + count * hidden;
            var projected = normed + count * hidden;
            var qkv = projected + count * hidden;
            var attention = qkv + count * qkvSize;
            var gateUp = attention + count * heads * headDim;
            var activated = gateUp + 2L * count * inner;
            var normScratch = activated + (long)count * inner;
            var scores = normScratch + hidden;
            var angles = scores + (long)heads * length;
            for (var t = 0; t < count; t++)
            {
                // Every head of every layer rotates a token by the same angles: its position's.
                var cos = angles + (long)t * headDim;
                model.Model.Rotary.Angles(position + t, new Span<float>(cos, headDim / 2), new Span<float>(cos + headDim / 2, headDim / 2));
                WeightMatrix.Of(model.Model.EmbedTokens.weight!, model.Model.EmbedScale).ReadRow(tokens[t], x + (long)t * hidden);
            }

            for (var i = 0; i < config.NumHiddenLayers; i++)
            {
                var layer = model.Model.Layers[i];
                Norm(x, layer.InputNorm.Weight, config.RmsNormEps, normed, normScratch, hidden, count);
                var attn = layer.SelfAttention;
                Fused(attn.Qkv, [attn.Projections["q_proj"], attn.Projections["k_proj"], attn.Projections["v_proj"]], normed, qkv, count);
                Attend(cache[i], qkv, heads, kvHeads, headDim, position, count, angles, scores, attention);
                Linear(attn.Projections["o_proj"], attention, projected, count);
                Add(x, projected, count * hidden);

                Norm(x, layer.PostAttentionNorm.Weight, config.RmsNormEps, normed, normScratch, hidden, count);
                var mlp = layer.Mlp;
                Fused(mlp.GateUp, [mlp.Projections["gate_proj"], mlp.Projections["up_proj"]], normed, gateUp, count);
                for (var t = 0; t < count; t++)
                {
                    var row = gateUp + 2L * t * inner;
                    VectorMath.SiluMultiply(row, row + inner, activated + (long)t * inner, inner);
                }

                Linear(mlp.Projections["down_proj"], activated, projected, count);
                Add(x, projected, count * hidden);
            }

            Norm(x, model.Model.Norm.Weight, config.RmsNormEps, normed, normScratch, hidden, count);
            var head = WeightMatrix.Of(model.LmHeadWeight, model.LmHeadScale);
            var logits = empty([count, head.Rows], ScalarType.Float32);
            MatVec.Multiply(head, normed, (float*)logits.DataPointer(), count);
            return logits;
        }
        finally
        {
            NativeMemory.AlignedFree(scratch);
        }
    }

    private static void Norm(float* x, Tensor weight, double eps, float* y, float* scratch, int hidden, int count)
    {
        for (var t = 0; t < count; t++)
        {
            VectorMath.RmsNorm(x + (long)t * hidden, weight, eps, y + (long)t * hidden, scratch, hidden);
        }
    }

    /// <summary>Rotary positions, the cache append and attention for every head and token of one layer.</summary>
    private static void Attend(LayerKvCache cache, float* qkv, int heads, int kvHeads, int headDim, long position, int count,
        float* angles, float* scores, float* output)
    {
        var (keysTensor, valuesTensor) = cache.Reserve(count, kvHeads, headDim);
        var capacity = keysTensor.shape[2];
        var keys = (float*)keysTensor.DataPointer();
        var values = (float*)valuesTensor.DataPointer();
        var qkvSize = (heads + 2 * kvHeads) * headDim;
        for (var t = 0; t < count; t++)
        {
            var q = qkv + (long)t * qkvSize;
            var k = q + heads * headDim;
            var v = k + kvHeads * headDim;
            var cos = angles + (long)t * headDim;
            var sin = cos + headDim / 2;
            for (var h = 0; h < heads; h++)
            {
                VectorMath.Rope(q + h * headDim, headDim, cos, sin);
            }

            for (var h = 0; h < kvHeads; h++)
            {
                VectorMath.Rope(k + h * headDim, headDim, cos, sin);
                var slot = ((long)h * capacity + position + t) * headDim;
                new ReadOnlySpan<float>(k + h * headDim, headDim).CopyTo(new Span<float>(keys + slot, headDim));
                new ReadOnlySpan<float>(v + h * headDim, headDim).CopyTo(new Span<float>(values + slot, headDim));
            }
        }

        cache.Advance(count);
        var groups = heads / kvHeads;
        for (var t = 0; t < count; t++)
        {
            // Token t sees the history and the tokens before it, as it would have alone.
            var length = (int)position + t + 1;
            var q = qkv + (long)t * qkvSize;
            var result = output + (long)t * heads * headDim;
            void Heads(int start, int end)
            {
                for (var h = start; h < end; h++)
                {
                    var offset = (long)(h / groups) * capacity * headDim;
                    VectorMath.Attend(q + h * headDim, keys + offset, values + offset, length, headDim, scores + (long)h * length, result + h * headDim);
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
    }

    /// <summary>
    /// Projections over one input whose weights are row blocks of <paramref name="fused"/>, for
    /// every token (y: [count, total rows]): one kernel pass where each module is the block itself
    /// or an adapter around it, else one each.
    /// </summary>
    private static void Fused(FusedProjections fused, nn.Module<Tensor, Tensor>[] modules, float* x, float* y, int count)
    {
        var bases = modules.Select(m => m is ILowRankAdapted a ? a.BaseLayer : (Projection)m).ToArray();
        var total = (int)fused.Weight.shape[0];
        if (fused.Intact(bases))
        {
            MatVec.Multiply(WeightMatrix.Of(fused.Weight, fused.Scale), x, y, count);
            if (fused.Bias is not null)
            {
                for (var t = 0; t < count; t++)
                {
                    VectorMath.AddTo(y + (long)t * total, fused.Bias);
                }
            }

            var offset = 0;
            for (var i = 0; i < modules.Length; i++)
            {
                if (modules[i] is ILowRankAdapted adapted)
                {
                    AddLowRank(adapted, x, y + offset, total, count);
                }

                offset += (int)bases[i].Weight.shape[0];
            }

            return;
        }

        var part = (float*)NativeMemory.AlignedAlloc((nuint)((long)count * total * sizeof(float)), 64);
        try
        {
            var offset = 0;
            for (var i = 0; i < modules.Length; i++)
            {
                var rows = (int)bases[i].Weight.shape[0];
                Linear(modules[i], x, part, count);
                for (var t = 0; t < count; t++)
                {
                    new ReadOnlySpan<float>(part + (long)t * rows, rows).CopyTo(new Span<float>(y + (long)t * total + offset, rows));
                }

                offset += rows;
            }
        }
        finally
        {
            NativeMemory.AlignedFree(part);
        }
    }

    /// <summary>One projection for every token (y: [count, rows]).</summary>
    private static void Linear(nn.Module<Tensor, Tensor> module, float* x, float* y, int count)
    {
        var projection = module is ILowRankAdapted a ? a.BaseLayer : (Projection)module;
        var rows = (int)projection.Weight.shape[0];
        MatVec.Multiply(WeightMatrix.Of(projection.Weight, projection.Scale), x, y, count);
        if (projection.Bias is not null)
        {
            for (var t = 0; t < count; t++)
            {
                VectorMath.AddTo(y + (long)t * rows, projection.Bias);
            }
        }

        if (module is ILowRankAdapted adapted)
        {
            AddLowRank(adapted, x, y, rows, count);
        }
    }

    /// <summary>y += B·(A·x)·scaling for every token, in fp32 (y rows <paramref name="stride"/> apart).</summary>
    private static void AddLowRank(ILowRankAdapted adapter, float* x, float* y, int stride, int count)
    {
        var (a, b) = (WeightMatrix.Of(adapter.LoraA.Weight), WeightMatrix.Of(adapter.LoraB.Weight));
        var down = (float*)NativeMemory.AlignedAlloc((nuint)((long)count * a.Rows * sizeof(float)), 64);
        var up = (float*)NativeMemory.AlignedAlloc((nuint)((long)count * b.Rows * sizeof(float)), 64);
        try
        {
            MatVec.Multiply(a, x, down, count);
            MatVec.Multiply(b, down, up, count);
            for (var t = 0; t < count; t++)
            {
                var result = new Span<float>(y + (long)t * stride, b.Rows);
                TensorPrimitives.MultiplyAdd(new ReadOnlySpan<float>(up + (long)t * b.Rows, b.Rows), (float)adapter.Scaling, result, result);
            }
        }
        finally
        {
            NativeMemory.AlignedFree(down);
            NativeMemory.AlignedFree(up);
        }
    }

    private static void Add(float* x, float* y, long n)
    {
        var span = new Span<float>(x, (int)n);
        TensorPrimitives.Add(span, new ReadOnlySpan<float>(y, (int)n), span);
    }
}
