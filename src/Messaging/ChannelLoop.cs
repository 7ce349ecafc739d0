namespace FineTuneMesh.Messaging;

/// <summary>
/// The body of a background consumer: consume on one channel until it is lost, then wait a moment
/// and open another, until the host stops. Shared by the job consumer and the dead-letter recorder.
/// </summary>
public static class ChannelLoop
{
    private static readonly TimeSpan _reopenDelay = TimeSpan.FromSeconds(2);

    /// <param name="consumeUntilChannelLost">Opens a channel and consumes until it is lost or the host stops.</param>
    /// <param name="onLost">Told why a channel was lost, before the next one opens.</param>
    /// <param name="stoppingToken">The host stopping.</param>
    public static async Task RunAsync(Func<CancellationToken, Task> consumeUntilChannelLost, Action<string> onLost, CancellationToken stoppingToken)
    {
        while (!stoppingToken.IsCancellationRequested)
        {
            try
            {
                await consumeUntilChannelLost(stoppingToken);
            }
            catch (OperationCanceledException) when (stoppingToken.IsCancellationRequested)
            {
                return;
            }
            catch (Exception e)
            {
                onLost(e.Message);
            }

            try
            {
                await Task.Delay(_reopenDelay, stoppingToken);
            }
            catch (OperationCanceledException)
            {
                return;
            }
        }
    }
}
