namespace FineTuneMesh.LlamaCpp;

/// <summary>What llama.cpp computed for a prompt: last-position logits, greedy continuation, timings.</summary>
public sealed record LlamaCppResult(float[] LastLogits, int[] Continuation, TimeSpan Prefill, TimeSpan Decode)
{
    /// <summary>Single-token decode steps per second (the prefill is not counted).</summary>
    public double DecodeTokensPerSecond => Continuation.Length > 1 ? (Continuation.Length - 1) / Decode.TotalSeconds : double.NaN;
}
