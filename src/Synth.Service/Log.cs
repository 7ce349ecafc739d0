namespace FineTuneMesh.Synth.Service;

/// <summary>Source-generated log messages. Provider keys never reach a log: only names, models and URLs do.</summary>
internal static partial class Log
{
    [LoggerMessage(EventId = 1, Level = LogLevel.Warning,
        Message = "Job {JobId}: batch {Batch} attempt {Attempt} failed ({Error}); retrying in {DelayMs} ms")]
    public static partial void RetryingBatch(ILogger logger, string jobId, int batch, int attempt, string error, long delayMs);

    [LoggerMessage(EventId = 2, Level = LogLevel.Information, Message = "Job {JobId} started: {Count} examples from provider {Provider}, model {Model}")]
    public static partial void JobStarted(ILogger logger, string jobId, int count, string provider, string model);

    [LoggerMessage(EventId = 3, Level = LogLevel.Information,
        Message = "Job {JobId} finished {Status}: {Accepted} accepted, {Rejected} rejected, {Requests} calls, {Tokens} tokens")]
    public static partial void JobFinished(ILogger logger, string jobId, string status, int accepted, int rejected, int requests, long tokens);

    [LoggerMessage(EventId = 4, Level = LogLevel.Warning, Message = "Job {JobId} stopped: {Reason}")]
    public static partial void JobStopped(ILogger logger, string jobId, string reason);

    [LoggerMessage(EventId = 5, Level = LogLevel.Error, Message = "Job {JobId} failed")]
    public static partial void JobFailed(ILogger logger, Exception exception, string jobId);

    [LoggerMessage(EventId = 6, Level = LogLevel.Information, Message = "Job {JobId} handed its dataset to training job {TrainingJobId}")]
    public static partial void HandedOff(ILogger logger, string jobId, string trainingJobId);

    [LoggerMessage(EventId = 7, Level = LogLevel.Warning, Message = "Job {JobId}: the hand-off to training failed: {Error}")]
    public static partial void HandOffFailed(ILogger logger, string jobId, string error);
}
