using System.ComponentModel.DataAnnotations;

namespace FineTuneMesh.Trainer.Worker;

public sealed class TrainerOptions
{
    public const string SectionName = "Trainer";

    /// <summary>
    /// How long SIGTERM waits for running work to stop cleanly (finish the step, write the
    /// checkpoint) before the host gives up on it.
    /// </summary>
    [Range(typeof(TimeSpan), "00:00:01", "01:00:00")]
    public TimeSpan ShutdownTimeout { get; set; } = TimeSpan.FromSeconds(30);
}
