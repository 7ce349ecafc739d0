namespace FineTuneMesh.Inference.Service;

/// <summary>The service's source-generated log messages.</summary>
internal static partial class Log
{
    [LoggerMessage(EventId = 1, Level = LogLevel.Warning,
        Message = "Base model '{Requested}' was not loaded ({Reason}); serving a TINY RANDOM fallback model from {Folder} instead. Its output is noise: set FINETUNE_BASE_MODEL to a model folder or pull the model first.")]
    public static partial void UsingFallbackModel(ILogger logger, string? requested, string reason, string folder);

    [LoggerMessage(EventId = 2, Level = LogLevel.Information, Message = "Loaded base model {Folder} in {DType} ({Reason}; {Cpu}) in {Milliseconds} ms")]
    public static partial void BaseModelLoaded(ILogger logger, string folder, string dtype, string reason, string cpu, long milliseconds);

    [LoggerMessage(Level = LogLevel.Warning, Message = "The base model is served in {DType}, which is slow on this CPU: {Warning}")]
    public static partial void SlowDType(ILogger logger, string dtype, string warning);

    [LoggerMessage(EventId = 3, Level = LogLevel.Information, Message = "Loaded adapter {Name} from {Folder}")]
    public static partial void AdapterLoaded(ILogger logger, string name, string folder);

    [LoggerMessage(EventId = 4, Level = LogLevel.Information, Message = "Unloaded adapter {Name}")]
    public static partial void AdapterUnloaded(ILogger logger, string name);

    [LoggerMessage(EventId = 5, Level = LogLevel.Warning, Message = "Refused a generation: {Running} running and the queue is full")]
    public static partial void GenerationRefused(ILogger logger, int running);

    [LoggerMessage(EventId = 6, Level = LogLevel.Information, Message = "Training job {JobId} published adapter {Name} v{Version}; loading it")]
    public static partial void AdapterPublished(ILogger logger, string jobId, string name, int version);

    [LoggerMessage(EventId = 7, Level = LogLevel.Warning, Message = "Could not load the newly published adapter {Name}: {Error}")]
    public static partial void AdapterAutoLoadFailed(ILogger logger, string name, string error);

    [LoggerMessage(EventId = 8, Level = LogLevel.Warning,
        Message = "Refused a generation needing {Needed} KV bytes: {Reserved} of the {Budget}-byte budget are reserved")]
    public static partial void KvBudgetRefused(ILogger logger, long needed, long reserved, long budget);
}
