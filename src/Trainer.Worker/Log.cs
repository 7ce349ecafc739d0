namespace FineTuneMesh.Trainer.Worker;

internal static partial class Log
{
    [LoggerMessage(Level = LogLevel.Warning, Message = "Job {JobId} trains in {DType}, which is slow on this CPU: {Warning}")]
    public static partial void SlowDType(ILogger logger, string jobId, string dtype, string warning);

    [LoggerMessage(Level = LogLevel.Information, Message = "Job {JobId} queued (adapter {Adapter})")]
    public static partial void JobQueued(ILogger logger, string jobId, string adapter);

    [LoggerMessage(Level = LogLevel.Information, Message = "Job {JobId} started, attempt {Attempt}, on base model {BaseModel}")]
    public static partial void JobStarted(ILogger logger, string jobId, int attempt, string baseModel);

    [LoggerMessage(Level = LogLevel.Information, Message = "Job {JobId} resumes from its checkpoint at step {Step}")]
    public static partial void JobResumed(ILogger logger, string jobId, int step);

    [LoggerMessage(Level = LogLevel.Information, Message = "Job {JobId} succeeded: adapter {Adapter} v{Version}, loss {FirstLoss:F4} -> {FinalLoss:F4} in {Seconds:F1} s")]
    public static partial void JobSucceeded(ILogger logger, string jobId, string adapter, int version, double firstLoss, double finalLoss, double seconds);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Job {JobId} failed: {Error}")]
    public static partial void JobFailed(ILogger logger, string jobId, string error);

    [LoggerMessage(Level = LogLevel.Information, Message = "Job {JobId} cancelled")]
    public static partial void JobCancelled(ILogger logger, string jobId);

    [LoggerMessage(Level = LogLevel.Information, Message = "Job {JobId} interrupted by shutdown at step {Step}; checkpoint stored and the job requeued")]
    public static partial void JobRequeuedOnShutdown(ILogger logger, string jobId, int step);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Job {JobId} hit a transient error on delivery {Delivery}; requeued: {Error}")]
    public static partial void JobRetried(ILogger logger, string jobId, int delivery, string error);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Dead-lettered a job message ({Reason})")]
    public static partial void DeadLettered(ILogger logger, string reason);

    [LoggerMessage(Level = LogLevel.Information, Message = "Job {JobId} was delivered again but is already {Status}; acknowledged without training")]
    public static partial void DuplicateDelivery(ILogger logger, string jobId, string status);

    [LoggerMessage(Level = LogLevel.Warning, Message = "The job channel was lost ({Error}); opening a new one")]
    public static partial void ConsumerReopening(ILogger logger, string error);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Handling a job message failed ({Error}); it goes back to the queue")]
    public static partial void HandlingFailed(ILogger logger, string error);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Job bookkeeping failed and was skipped: {Error}")]
    public static partial void BookkeepingFailed(ILogger logger, string error);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Job {JobId} was dead-lettered while {Status}; recorded as failed: {Error}")]
    public static partial void DeadLetteredJobFailed(ILogger logger, string jobId, string status, string error);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Recording a dead-lettered job failed ({Error}); it will be tried again")]
    public static partial void DeadLetterRecordingFailed(ILogger logger, string error);

    [LoggerMessage(Level = LogLevel.Information, Message = "Sweep {SweepId}: trial {JobId} {Reason}")]
    public static partial void TrialStopped(ILogger logger, string sweepId, string jobId, string reason);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Sweep supervision failed this round ({Error}); it tries again next round")]
    public static partial void SweepSupervisionFailed(ILogger logger, string error);
}
