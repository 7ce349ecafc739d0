namespace FineTuneMesh.Synth.Service.Jobs;

public enum SynthJobStatus
{
    Queued,
    Running,
    Succeeded,

    /// <summary>Stopped by a cap, a failing provider or an error; what was accepted is still stored.</summary>
    Failed,

    Cancelled,
}
