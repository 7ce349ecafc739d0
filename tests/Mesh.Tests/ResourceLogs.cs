using Aspire.Hosting;
using Aspire.Hosting.ApplicationModel;
using Microsoft.Extensions.DependencyInjection;

namespace FineTuneMesh.Mesh.Tests;

/// <summary>Writes each resource's console lines (every replica separately) to a file of its own.</summary>
public static class ResourceLogs
{
    public static async Task CaptureAsync(DistributedApplication app, string folder, CancellationToken cancellationToken)
    {
        Directory.CreateDirectory(folder);
        var notifications = app.Services.GetRequiredService<ResourceNotificationService>();
        var loggers = app.Services.GetRequiredService<ResourceLoggerService>();
        var watched = new HashSet<string>(StringComparer.Ordinal);
        var writers = new List<Task>();
        try
        {
            await foreach (var update in notifications.WatchAsync(cancellationToken))
            {
                if (watched.Add(update.ResourceId))
                {
                    writers.Add(WriteAsync(loggers, update.ResourceId, Path.Combine(folder, update.ResourceId + ".log"), cancellationToken));
                }
            }
        }
        catch (OperationCanceledException)
        {
            // The app is stopping.
        }

        await Task.WhenAll(writers);
    }

    private static async Task WriteAsync(ResourceLoggerService loggers, string resourceId, string path, CancellationToken cancellationToken)
    {
        await using var file = new StreamWriter(path) { AutoFlush = true };
        try
        {
            await foreach (var batch in loggers.WatchAsync(resourceId).WithCancellation(cancellationToken))
            {
                foreach (var line in batch)
                {
                    await file.WriteLineAsync(line.Content);
                }
            }
        }
        catch (OperationCanceledException)
        {
            // The app is stopping.
        }
    }
}
