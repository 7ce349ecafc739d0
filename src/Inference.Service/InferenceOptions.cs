using System.ComponentModel.DataAnnotations;
using FineTuneMesh.ServiceDefaults;

namespace FineTuneMesh.Inference.Service;

/// <summary>The <c>Inference</c> configuration section.</summary>
public sealed class InferenceOptions
{
    public const string SectionName = "Inference";

    /// <summary>
    /// Generations decoding at the same time; the rest wait in the queue. With batched decoding they
    /// share each step (the weights are read once per step for all of them), so more of them raise
    /// the total tokens/s until the CPU's arithmetic runs out.
    /// </summary>
    [Range(1, 1024)]
    public int MaxConcurrentGenerations { get; set; } = 8;

    /// <summary>
    /// Continuous batching: every decoding stream's next token is computed in one shared step with
    /// the others' (on the base model or any adapter), instead of a step per stream. Off, each
    /// stream steps alone. The tokens are the same either way.
    /// </summary>
    public bool BatchDecoding { get; set; } = true;

    /// <summary>
    /// Chunked prefill: a prompt longer than this is read this many tokens at a time, and the
    /// streams already decoding take a step between chunks, so a long prompt joining never stalls
    /// them for its whole length. 0 reads every prompt in one pass.
    /// </summary>
    [Range(0, 1_000_000)]
    public int PrefillChunkTokens { get; set; } = 128;

    /// <summary>
    /// Speculative decoding: at most this many tokens drafted per step (from the prompt, the text so
    /// far and an adapter's template) and verified in one pass; the output is the same either way.
    /// 0 turns it off (to measure batching alone, or where drafts never pay).
    /// </summary>
    [Range(0, 15)]
    public int DraftTokens { get; set; } = 8;

    /// <summary>Generations allowed to wait for a slot; beyond that a request is refused with RESOURCE_EXHAUSTED.</summary>
    [Range(0, 100_000)]
    public int MaxQueuedGenerations { get; set; } = 16;

    /// <summary>
    /// The longest a request waits in the queue for a decode slot; then it is refused as busy
    /// (RESOURCE_EXHAUSTED / 429). The gateway's idle limit is derived from this and <see cref="MaxGenerationSeconds"/>.
    /// </summary>
    [Range(1, 86_400)]
    public int MaxQueueWaitSeconds { get; set; } = ServiceBounds.DefaultMaxQueueWaitSeconds;

    /// <summary>The longest one generation decodes; then it ends as if it had reached max_tokens (finish reason length).</summary>
    [Range(1, 86_400)]
    public int MaxGenerationSeconds { get; set; } = ServiceBounds.DefaultMaxGenerationSeconds;

    /// <summary>
    /// While a request waits (in the queue, or for its next token) a keep-alive goes out this often:
    /// a <c>Waiting</c> frame over gRPC, a comment line over server-sent events.
    /// </summary>
    [Range(10, 3_600_000)]
    public int KeepAliveMs { get; set; } = ServiceBounds.DefaultKeepAliveMs;

    /// <summary>The hint sent to refused clients in the <c>retry-after-ms</c> trailer.</summary>
    [Range(1, 3_600_000)]
    public int RetryAfterMs { get; set; } = 1000;

    /// <summary>
    /// The attention-cache memory running generations may hold together, in MB; each reserves its
    /// prompt plus max tokens when it starts. A request that would go past it is refused as busy
    /// (RESOURCE_EXHAUSTED / 429, with the retry hint); one that could never fit is refused as
    /// invalid (INVALID_ARGUMENT / 400). 0 = a quarter of the memory the service may use.
    /// </summary>
    [Range(0, 10_000_000)]
    public double MaxKvCacheMB { get; set; }

    /// <summary>Prompts longer than this many tokens are refused (INVALID_ARGUMENT / 400); 0 = only the model's context limits them.</summary>
    [Range(0, 10_000_000)]
    public int MaxPromptTokens { get; set; }

    /// <summary>Frames the decode loop may run ahead of a slow reader before it waits.</summary>
    [Range(1, 4096)]
    public int StreamBufferFrames { get; set; } = 64;

    /// <summary>A folder whose subfolders are PEFT adapters, one per name; null = no adapters.</summary>
    public string? AdaptersRoot { get; set; }

    /// <summary>Adapters kept loaded; loading one more unloads the least recently used.</summary>
    [Range(1, 1024)]
    public int MaxLoadedAdapters { get; set; } = 8;

    /// <summary>The memory cap on loaded adapters' weights (the base weights are shared and not counted).</summary>
    [Range(1, 1_000_000)]
    public int MaxAdapterMemoryMB { get; set; } = 512;
}
