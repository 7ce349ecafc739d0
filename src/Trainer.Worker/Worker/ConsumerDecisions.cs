using System.Text.Json;
using FineTuneMesh.Mesh.Jobs;
using FineTuneMesh.Messaging;

namespace FineTuneMesh.Trainer.Worker.Worker;

/// <summary>What a worker does with a job message it was handed, before training.</summary>
public enum DeliveryAction
{
    /// <summary>Train it (first run, or resume the job of a worker that died).</summary>
    Run,

    /// <summary>Acknowledge and drop it: the job is final, or another worker runs it from a second copy of the message.</summary>
    SkipDuplicate,

    /// <summary>Record the job cancelled without training, and acknowledge.</summary>
    FinishCancelled,
}

/// <summary>What a worker does when training threw.</summary>
public enum FailureAction
{
    /// <summary>Bad data or settings fail the same way every time: record it failed and acknowledge.</summary>
    FailAndAcknowledge,

    /// <summary>The last delivery the queue allows: record it failed and dead-letter the message.</summary>
    FailAndDeadLetter,

    /// <summary>Something around the job failed: record it queued and give the message back.</summary>
    Requeue,
}

/// <summary>What a worker does with a job interrupted by its own shutdown or a lost channel.</summary>
public enum InterruptionAction
{
    /// <summary>Record it queued and give it back; any worker resumes it from the stored checkpoint.</summary>
    Requeue,

    /// <summary>A cancel was asked for meanwhile (the stored record says so): record it cancelled.</summary>
    FinishCancelled,
}

/// <summary>
/// The job consumer's decisions, apart from the broker and the store so each can be read (and
/// tested) as a rule: <see cref="TrainingJobConsumer"/> carries them out.
/// </summary>
public static class ConsumerDecisions
{
    /// <param name="record">The job's record as stored (written now if the message came straight from another app).</param>
    /// <param name="redelivered">The broker gave this message out before.</param>
    /// <param name="cancelHeard">A cancel event for the job arrived since the message did.</param>
    public static DeliveryAction OnDelivery(JobRecord record, bool redelivered, bool cancelHeard) =>
        // A first delivery of a job some worker is already running is a second copy of the message
        // (a publisher sent it twice); a redelivery of a running job is one whose worker died.
        record.IsFinal || (record.Status == JobStatus.Running && !redelivered) ? DeliveryAction.SkipDuplicate
        : record.CancelRequested || cancelHeard ? DeliveryAction.FinishCancelled
        : DeliveryAction.Run;

    /// <param name="error">What training threw (not a cancellation).</param>
    /// <param name="deliveryCount">How many times the queue has had the message back before this delivery.</param>
    public static FailureAction OnFailure(Exception error, int deliveryCount) =>
        IsPermanent(error) ? FailureAction.FailAndAcknowledge
        : deliveryCount + 1 >= MeshTopology.DeliveryLimit ? FailureAction.FailAndDeadLetter
        : FailureAction.Requeue;

    /// <param name="stored">The job's record read again after the interruption; null when it cannot be read.</param>
    public static InterruptionAction OnInterruption(JobRecord? stored) =>
        stored?.CancelRequested == true ? InterruptionAction.FinishCancelled : InterruptionAction.Requeue;

    /// <summary>Errors that a retry cannot fix: the data or the settings are wrong.</summary>
    public static bool IsPermanent(Exception error) => error is InvalidDataException or ArgumentException or FormatException or JsonException;
}
