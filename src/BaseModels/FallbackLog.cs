using Microsoft.Extensions.Logging;

namespace FineTuneMesh.BaseModels;

internal static partial class FallbackLog
{
    [LoggerMessage(Level = LogLevel.Warning, Message = "BASE MODEL FALLBACK: {Requested} is not available: {Reason}")]
    public static partial void UsingBuiltin(ILogger logger, string requested, string reason);

    [LoggerMessage(Level = LogLevel.Information, Message = "Pulled the configured base model {RepoId} into {Folder}")]
    public static partial void Pulled(ILogger logger, string repoId, string folder);
}
