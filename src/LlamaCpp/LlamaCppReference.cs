using System.Collections.Concurrent;
using System.Diagnostics;
using LLama;
using LLama.Common;
using LLama.Extensions;
using LLama.Native;

namespace FineTuneMesh.LlamaCpp;

/// <summary>
/// Runs a GGUF file through llama.cpp (LLamaSharp): the independent reference our engine is
/// checked against in tests, and the peer it is measured against in `bench generate`.
/// Token ids go in directly (nothing is tokenized); the KV cache is F32 and flash attention is
/// off, so the only differences from an fp32 engine are summation order and llama.cpp's kernels.
/// </summary>
public sealed class LlamaCppReference : IDisposable
{
    private static readonly ConcurrentQueue<string> _nativeLog = new();
    private static int _logHooked;

    private readonly LLamaWeights _weights;
    private readonly ModelParams _parameters;

    public LlamaCppReference(string ggufPath, uint contextSize = 512, int threads = 2)
    {
        HookNativeLog();
        _parameters = new ModelParams(ggufPath)
        {
            ContextSize = contextSize,
            BatchSize = contextSize,
            UBatchSize = contextSize,
            Threads = threads,
            BatchThreads = threads,
            GpuLayerCount = 0,
            TypeK = GGMLType.GGML_TYPE_F32,
            TypeV = GGMLType.GGML_TYPE_F32,
            FlashAttention = false, // null would mean AUTO, which turns it on for CPU
        };
        try
        {
            _weights = LLamaWeights.LoadFromFile(_parameters);
        }
        catch (Exception e)
        {
            throw new InvalidOperationException($"{ggufPath}: llama.cpp could not load it. Native log:\n{RecentLog()}", e);
        }
    }

    public int VocabularySize => _weights.Vocab.Count;

    /// <summary>The llama_context_params this reference creates contexts with, as llama.cpp receives them.</summary>
    public LLamaContextParams NativeContextParameters
    {
        get
        {
            _parameters.ToLlamaContextParams(out var native);
            return native;
        }
    }

    /// <summary>
    /// Decodes <paramref name="promptIds"/> in one batch, returns the full-vocabulary logits at the
    /// last prompt position and <paramref name="continuation"/> greedy (argmax) tokens after it.
    /// </summary>
    public LlamaCppResult Run(IReadOnlyList<int> promptIds, int continuation = 0)
    {
        if (promptIds.Count == 0 || promptIds.Count + continuation > _parameters.ContextSize)
        {
            throw new ArgumentException(
                $"prompt of {promptIds.Count} plus {continuation} tokens does not fit the context of {_parameters.ContextSize}.");
        }

        using var context = _weights.CreateContext(_parameters);
        var batch = new LLamaBatch();
        for (var i = 0; i < promptIds.Count; i++)
        {
            batch.Add(promptIds[i], i, LLamaSeqId.Zero, logits: i == promptIds.Count - 1);
        }

        var clock = Stopwatch.StartNew();
        Decode(context, batch);
        var logits = context.NativeHandle.GetLogitsIth(batch.TokenCount - 1).ToArray();
        var prefill = clock.Elapsed;

        var generated = new int[continuation];
        clock.Restart();
        var next = ArgMax(logits);
        for (var step = 0; step < continuation; step++)
        {
            generated[step] = next;
            if (step == continuation - 1)
            {
                break;
            }

            batch.Clear();
            batch.Add(next, promptIds.Count + step, LLamaSeqId.Zero, logits: true);
            Decode(context, batch);
            next = ArgMax(context.NativeHandle.GetLogitsIth(0));
        }

        return new LlamaCppResult(logits, generated, prefill, clock.Elapsed);
    }

    public static LlamaCppResult Run(string ggufPath, IReadOnlyList<int> promptIds, int continuation = 0)
    {
        var contextSize = (uint)Math.Max(512, promptIds.Count + continuation);
        using var reference = new LlamaCppReference(ggufPath, contextSize);
        return reference.Run(promptIds, continuation);
    }

    /// <summary>llama.cpp's own Q8_0 of a GGUF file (every matrix, the output too), written to <paramref name="destination"/>.</summary>
    public static void QuantizeQ8_0(string source, string destination)
    {
        HookNativeLog();
        // The quantizer's entry points do not load llama.cpp by themselves: NativeApi's do.
        NativeApi.llama_empty_call();
        if (!LLamaQuantizer.Quantize(source, destination, LLamaFtype.MOSTLY_Q8_0, nthread: Environment.ProcessorCount, quantizeOutputTensor: true))
        {
            throw new InvalidOperationException($"{source}: llama.cpp could not quantize it to Q8_0. Native log:\n{RecentLog()}");
        }
    }

    public static int ArgMax(ReadOnlySpan<float> values)
    {
        var best = 0;
        for (var i = 1; i < values.Length; i++)
        {
            if (values[i] > values[best])
            {
                best = i;
            }
        }

        return best;
    }

    private static void Decode(LLamaContext context, LLamaBatch batch)
    {
        var result = context.NativeHandle.Decode(batch);
        if (result != DecodeResult.Ok)
        {
            throw new InvalidOperationException($"llama_decode returned {result}. Native log:\n{RecentLog()}");
        }
    }

    // llama.cpp logs every load at info level to stderr; keep warnings and errors for failure messages.
    private static void HookNativeLog()
    {
        if (Interlocked.Exchange(ref _logHooked, 1) == 1)
        {
            return;
        }

        NativeLogConfig.llama_log_set((level, message) =>
        {
            if (level is LLamaLogLevel.Warning or LLamaLogLevel.Error)
            {
                _nativeLog.Enqueue(message.TrimEnd());
                while (_nativeLog.Count > 50 && _nativeLog.TryDequeue(out _))
                {
                }
            }
        });
    }

    private static string RecentLog() => string.Join('\n', _nativeLog);

    public void Dispose() => _weights.Dispose();
}
