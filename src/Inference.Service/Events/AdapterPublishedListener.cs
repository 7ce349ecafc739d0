using FineTuneMesh.Mesh.Jobs;
using FineTuneMesh.Messaging;
using FineTuneMesh.Inference.Service.Models;
using RabbitMQ.Client;

namespace FineTuneMesh.Inference.Service.Events;

/// <summary>
/// Hears every finished training job (<c>training.*.succeeded</c>, on a queue of this replica's
/// own) and loads the adapter it published, replacing an older loaded version: a freshly trained
/// adapter is served without a restart, and its first request does not wait for the download.
/// </summary>
public sealed class AdapterPublishedListener(IConnection connection, AdapterRegistry adapters, ModelHost host,
    ILogger<AdapterPublishedListener> logger) : BackgroundService
{
    protected override Task ExecuteAsync(CancellationToken stoppingToken) =>
        JobEventSubscription.ListenAsync(connection, "*", JobEvent.StatusKind(JobStatus.Succeeded), async published =>
        {
            if (published.Adapter is not { } adapter || !host.IsLoaded)
            {
                return;
            }

            Log.AdapterPublished(logger, published.JobId, adapter.Name, adapter.Version);
            try
            {
                await adapters.RefreshAsync(adapter.Name, adapter.Version, stoppingToken);
            }
            catch (Exception e) when (e is not OperationCanceledException)
            {
                // An adapter for another base model, say: it stays listed with its problem, nothing else breaks.
                Log.AdapterAutoLoadFailed(logger, adapter.Name, e.Message);
            }
        }, stoppingToken);
}
