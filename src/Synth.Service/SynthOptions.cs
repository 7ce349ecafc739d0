using FineTuneMesh.Synth.Service.Providers;

namespace FineTuneMesh.Synth.Service;

/// <summary>The synthesis service's settings, bound from <c>Synth</c>.</summary>
public sealed class SynthOptions
{
    public const string SectionName = "Synth";

    /// <summary>The provider a job uses when its request names none.</summary>
    public string DefaultProvider { get; set; } = "inference";

    public Dictionary<string, ChatProviderOptions> Providers { get; set; } = new(StringComparer.OrdinalIgnoreCase);

    /// <summary>The most examples one job may ask for.</summary>
    public int MaxCount { get; set; } = 1000;

    /// <summary>Examples asked for per request when the job does not say.</summary>
    public int BatchSize { get; set; } = 10;

    /// <summary>Provider calls one job may make, retries included; a request may ask for fewer.</summary>
    public int MaxRequestsPerJob { get; set; } = 200;

    /// <summary>Input plus output tokens one job may spend, as the provider reports them.</summary>
    public long MaxTokensPerJob { get; set; } = 2_000_000;

    /// <summary>Attempts per batch (HTTP 429/5xx, network errors and replies with no usable record).</summary>
    public int MaxAttemptsPerBatch { get; set; } = 5;

    public TimeSpan InitialBackoff { get; set; } = TimeSpan.FromSeconds(1);

    public TimeSpan MaxBackoff { get; set; } = TimeSpan.FromSeconds(30);

    /// <summary>A server's Retry-After longer than this is cut to it.</summary>
    public TimeSpan MaxRetryAfter { get; set; } = TimeSpan.FromMinutes(2);

    /// <summary>One provider call; a CPU-bound model needs minutes for a batch.</summary>
    public TimeSpan RequestTimeout { get; set; } = TimeSpan.FromMinutes(10);

    /// <summary>Batches in a row that add no accepted example before the job gives up.</summary>
    public int MaxBarrenBatches { get; set; } = 4;

    /// <summary>Word-shingle Jaccard similarity at or above which two examples are near duplicates.</summary>
    public double NearDuplicateThreshold { get; set; } = 0.7;

    public int MaxFieldChars { get; set; } = 2000;

    public int MaxExampleChars { get; set; } = 4000;

    public int MaxOutputTokens { get; set; } = 4096;

    public int MaxConcurrentJobs { get; set; } = 2;

    /// <summary>Where jobs and datasets are kept when no object storage is configured; empty: a temp folder.</summary>
    public string StorageFolder { get; set; } = "";

    /// <summary>The trainer's REST API, for the hand-off to training.</summary>
    public string TrainerUrl { get; set; } = "http://trainer";
}
