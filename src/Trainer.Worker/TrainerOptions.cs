using System.ComponentModel.DataAnnotations;

namespace FineTuneMesh.Trainer.Worker;

public sealed class TrainerOptions
{
    public const string SectionName = "Trainer";

    /// <summary>
    /// How long SIGTERM waits for running work to stop cleanly (finish the step, write the
    /// checkpoint, upload it, requeue the job) before the host gives up on it.
    /// </summary>
    [Range(typeof(TimeSpan), "00:00:01", "01:00:00")]
    public TimeSpan ShutdownTimeout { get; set; } = TimeSpan.FromSeconds(30);

    /// <summary>The largest job request body; larger ones get 413.</summary>
    [Range(1024, 1L << 30)]
    public long MaxRequestBytes { get; set; } = 16 << 20;

    /// <summary>The most records a dataset may have.</summary>
    [Range(1, 10_000_000)]
    public int MaxDatasetRecords { get; set; } = 100_000;

    /// <summary>Where jobs keep their data, checkpoint and adapter while they run; empty: the temp folder.</summary>
    public string? WorkDirectory { get; set; }

    /// <summary>Whether this instance consumes training jobs (false: it only serves the jobs API).</summary>
    public bool ConsumeJobs { get; set; } = true;

    /// <summary>Progress streams (<c>/jobs/{id}/events</c>) open at once on one trainer; more get 503.</summary>
    [Range(1, 10_000)]
    public int MaxEventStreams { get; set; } = 64;

    /// <summary>How often a running job's record in storage is refreshed with its progress.</summary>
    public TimeSpan RecordRefreshInterval { get; set; } = TimeSpan.FromSeconds(2);

    /// <summary>The most trials one sweep may have; larger grids and budgets are refused.</summary>
    [Range(1, 1000)]
    public int MaxSweepTrials { get; set; } = 32;

    /// <summary>How often the sweep supervisor looks at running trials for early stopping.</summary>
    public TimeSpan SweepSupervisorInterval { get; set; } = TimeSpan.FromSeconds(1);
}
