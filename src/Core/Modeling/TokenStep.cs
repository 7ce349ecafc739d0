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

    /// <summary>The most rows (tokens of all sequences together) one call takes.</summary>
    public const int MaxRows = 64;

    /// <summary>
    /// Logits [T, vocab] for the T tokens of <paramref name="inputIds"/> [1, T] at positions
    /// cache.Length onwards, or null where this step does not apply.
    /// </summary>
    public static Tensor? TryRun(CausalLanguageModel model, Tensor inputIds, KvCache? cache) =>
        cache is null || inputIds.dim() != 2 || inputIds.shape[0] != 1 || inputIds.shape[1] is < 1 or > MaxTokens
            ? null
            : TryRun([new StepSequence(model, cache, inputIds.view(-1).data<long>().ToArray())]);

    /// <summary>
    /// Logits [rows, vocab] for several sequences at once, their rows in the order given: the base
    /// products run once over every row, each sequence's adapter adds its update to its own rows,
    /// and each sequence attends over its own cache. Every row's logits are the same bits as its
    /// sequence's alone. Null where this step does not apply (a model it cannot read, models that
    /// do not share one set of base weights, gradients, more than <see cref="MaxRows"/> rows).
    /// </summary>
    public static Tensor? TryRun(IReadOnlyList<StepSequence> sequences)
    {
        var first = sequences.Count > 0 ? sequences[0].Model : null;
        if (first is null || sequences.Sum(s => s.Tokens.Length) is < 1 or > MaxRows || sequences.Any(s => s.Tokens.Length is < 1 or > MaxTokens)
            || is_grad_enabled() || !MatVec.IsSupported || sequences.Select(s => s.Cache).Distinct().Count() != sequences.Count
            || sequences.Any(s => s.Model.training || !Enumerable.Range(0, s.Model.Config.NumHiddenLayers).All(i => s.Cache[i].IsSingleFloat32Sequence)
                || !Readable(s.Model) || !SharesBaseWeights(first, s.Model)))
        {
            return null;
        }

        return Run(sequences);
    }

    /// <summary>Whether two models run on the same base weights in memory (an adapter's model made by LanguageModel.ShareWeights, or the model itself).</summary>
    private static bool SharesBaseWeights(CausalLanguageModel a, CausalLanguageModel b)
    {
        if (ReferenceEquals(a, b))
        {
            return true;
        }

        static nint Of(Tensor t) => t.DataPointer();
        static Projection Base(nn.Module<Tensor, Tensor> m) => m is ILowRankAdapted adapted ? adapted.BaseLayer : (Projection)m;
        if (a.Config != b.Config || Of(a.LmHeadWeight) != Of(b.LmHeadWeight) || Of(a.Model.EmbedTokens.weight!) != Of(b.Model.EmbedTokens.weight!))
        {
            return false;
        }

        for (var i = 0; i < a.Model.Layers.Count; i++)
        {
            var (x, y) = (a.Model.Layers[i], b.Model.Layers[i]);
            if (Of(x.SelfAttention.Qkv.Weight) != Of(y.SelfAttention.Qkv.Weight) || Of(x.Mlp.GateUp.Weight) != Of(y.Mlp.GateUp.Weight)
                || Of(Base(x.SelfAttention.Projections["o_proj"]).Weight) != Of(Base(y.SelfAttention.Projections["o_proj"]).Weight)
                || Of(Base(x.Mlp.Projections["down_proj"]).Weight) != Of(Base(y.Mlp.Projections["down_proj"]).Weight))
            {
                return false;
            }
        }

        return true;
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
            && model.Model.Layers.All(layer => layer.SelfAttention.Projections.Values.All(Linear) && layer.Mlp.Projections.Values.All(Linear)
                && FusedIntact(layer.SelfAttention.Qkv, layer.SelfAttention.Projections, "q_proj", "k_proj", "v_proj")
                && FusedIntact(layer.Mlp.GateUp, layer.Mlp.Projections, "gate_proj", "up_proj"));
    }

    /// <summary>Whether the modules under the fused block's names are its parts, or low-rank updates around them.</summary>
    private static bool FusedIntact(FusedProjections fused, IReadOnlyDictionary<string, nn.Module<Tensor, Tensor>> projections, params string[] names) =>
        fused.Intact([.. names.Select(n => projections[n] is ILowRankAdapted a ? a.BaseLayer : projections[n])]);

    // Fully optimised from the first call: a server's first tokens should not run tier-0 code.
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private static Tensor Run(IReadOnlyList<StepSequence> sequences)
    {
        var model = sequences[0].Model;
        var config = model.Config;
        var (hidden, heads, kvHeads, headDim) = (config.HiddenSize, config.NumAttentionHeads, config.KeyValueHeads, config.HeadDim);
        var count = sequences.Sum(s => s.Tokens.Length);
        var starts = new int[sequences.Count];
        for (var s = 1; s < sequences.Count; s++)
        {
            starts[s] = starts[s - 1] + sequences[s - 1].Tokens.Length;
        }

        var longest = sequences.Max(s => (int)s.Cache.Length + s.Tokens.Length);
        var inner = config.IntermediateSize;
        var qkvSize = (heads + 2 * kvHeads) * headDim;

        // One scratch block for the whole step, per row: x, normed, projected, qkv, attention,
        // gate|up, act; then a norm's weights, the scores of every head, and each row's cos|sin.
        var perRow = 3L * hidden + qkvSize + heads * headDim + 3L * inner;
        var floats = count * perRow + hidden + (long)heads * longest + (long)count * headDim;
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
            var angles = scores + (long)heads * longest;
            var embedding = WeightMatrix.Of(model.Model.EmbedTokens.weight!, model.Model.EmbedScale);
            for (var s = 0; s < sequences.Count; s++)
            {
                for (var t = 0; t < sequences[s].Tokens.Length; t++)
                {
                    // Every head of every layer rotates a token by the same angles: its position's.
                    var row = starts[s] + t;
                    var cos = angles + (long)row * headDim;
                    model.Model.Rotary.Angles(sequences[s].Cache.Length + t, new Span<float>(cos, headDim / 2), new Span<float>(cos + headDim / 2, headDim / 2));
                    embedding.ReadRow(sequences[s].Tokens[t], x + (long)row * hidden);
                }
            }

            for (var i = 0; i < config.NumHiddenLayers; i++)
            {
                var layer = model.Model.Layers[i];
                Norm(x, layer.InputNorm.Weight, config.RmsNormEps, normed, normScratch, hidden, count);
                Fused(sequences, starts, m => m.Model.Layers[i].SelfAttention.Qkv, ["q_proj", "k_proj", "v_proj"],
                    m => m.Model.Layers[i].SelfAttention.Projections, normed, qkv, hidden, count);
                for (var s = 0; s < sequences.Count; s++)
                {
                    Attend(sequences[s].Cache[i], qkv + (long)starts[s] * qkvSize, heads, kvHeads, headDim, sequences[s].Cache[i].Length,
                        sequences[s].Tokens.Length, angles + (long)starts[s] * headDim, scores, attention + (long)starts[s] * heads * headDim);
                }

                Linear(sequences, starts, m => m.Model.Layers[i].SelfAttention.Projections["o_proj"], attention, projected, heads * headDim, count);
                Add(x, projected, count * hidden);

                Norm(x, layer.PostAttentionNorm.Weight, config.RmsNormEps, normed, normScratch, hidden, count);
                Fused(sequences, starts, m => m.Model.Layers[i].Mlp.GateUp, ["gate_proj", "up_proj"],
                    m => m.Model.Layers[i].Mlp.Projections, normed, gateUp, hidden, count);
                for (var t = 0; t < count; t++)
                {
                    var row = gateUp + 2L * t * inner;
                    VectorMath.SiluMultiply(row, row + inner, activated + (long)t * inner, inner);
                }

                Linear(sequences, starts, m => m.Model.Layers[i].Mlp.Projections["down_proj"], activated, projected, inner, count);
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

    /// <summary>Rotary positions, the cache append and attention for every head and token of one sequence in one layer.</summary>
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
    /// Projections whose base weights are row blocks of one fused matrix (shared by every sequence's
    /// model), for every row (y: [rows, total]): one base product over all rows, then each sequence's
    /// low-rank updates on its own rows and slices.
    /// </summary>
    private static void Fused(IReadOnlyList<StepSequence> sequences, int[] starts, Func<CausalLanguageModel, FusedProjections> fusedOf,
        string[] names, Func<CausalLanguageModel, IReadOnlyDictionary<string, nn.Module<Tensor, Tensor>>> projectionsOf,
        float* x, float* y, int inFeatures, int count)
    {
        var fused = fusedOf(sequences[0].Model);
        var total = (int)fused.Weight.shape[0];
        MatVec.Multiply(WeightMatrix.Of(fused.Weight, fused.Scale), x, y, count);
        if (fused.Bias is not null)
        {
            for (var t = 0; t < count; t++)
            {
                VectorMath.AddTo(y + (long)t * total, fused.Bias);
            }
        }

        ForEachSequence(sequences.Count, s =>
        {
            var projections = projectionsOf(sequences[s].Model);
            var offset = 0;
            foreach (var name in names)
            {
                var module = projections[name];
                var rows = (int)(module is ILowRankAdapted a ? a.BaseLayer : (Projection)module).Weight.shape[0];
                if (module is ILowRankAdapted adapted)
                {
                    AddLowRank(adapted, x + (long)starts[s] * inFeatures, y + (long)starts[s] * total + offset, total, sequences[s].Tokens.Length);
                }

                offset += rows;
            }
        });
    }

    /// <summary>
    /// Each sequence's low-rank updates, the sequences spread over the kernel threads. An update is
    /// too small to split, so with one sequence after another a step's adapters ran on one core
    /// while the other waited (11% of a one-adapter stream's samples were these products). Each
    /// sequence writes only its own rows, and its products are computed as they would be alone.
    /// </summary>
    private static void ForEachSequence(int count, Action<int> update) =>
        KernelThreads.Run(count, (start, end) =>
        {
            for (var s = start; s < end; s++)
            {
                update(s);
            }
        });

    /// <summary>One projection for every row (y: [rows, out]): the shared base product, then each sequence's update.</summary>
    private static void Linear(IReadOnlyList<StepSequence> sequences, int[] starts, Func<CausalLanguageModel, nn.Module<Tensor, Tensor>> moduleOf,
        float* x, float* y, int inFeatures, int count)
    {
        var first = moduleOf(sequences[0].Model);
        var projection = first is ILowRankAdapted a ? a.BaseLayer : (Projection)first;
        var rows = (int)projection.Weight.shape[0];
        MatVec.Multiply(WeightMatrix.Of(projection.Weight, projection.Scale), x, y, count);
        if (projection.Bias is not null)
        {
            for (var t = 0; t < count; t++)
            {
                VectorMath.AddTo(y + (long)t * rows, projection.Bias);
            }
        }

        ForEachSequence(sequences.Count, s =>
        {
            if (moduleOf(sequences[s].Model) is ILowRankAdapted adapted)
            {
                AddLowRank(adapted, x + (long)starts[s] * inFeatures, y + (long)starts[s] * rows, rows, sequences[s].Tokens.Length);
            }
        });
    }

    /// <summary>y += B·(A·x)·scaling for every row, in fp32 (y rows <paramref name="stride"/> apart).</summary>
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
