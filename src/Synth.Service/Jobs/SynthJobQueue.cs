using System.Threading.Channels;

namespace FineTuneMesh.Synth.Service.Jobs;

/// <summary>Jobs waiting to run, in order.</summary>
public sealed class SynthJobQueue
{
    private readonly Channel<QueuedJob> _channel = Channel.CreateUnbounded<QueuedJob>(new UnboundedChannelOptions { SingleWriter = false });

    public ChannelReader<QueuedJob> Reader => _channel.Reader;

    public void Enqueue(QueuedJob job)
    {
        if (!_channel.Writer.TryWrite(job))
        {
            throw new InvalidOperationException("the job queue is closed: the service is stopping.");
        }
    }

    public void Complete() => _channel.Writer.TryComplete();
}
