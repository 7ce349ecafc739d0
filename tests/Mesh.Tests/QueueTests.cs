using System.Text;
using FineTuneMesh.Mesh.Jobs;
using FineTuneMesh.Messaging;
using FineTuneMesh.Storage;
using RabbitMQ.Client;

namespace FineTuneMesh.Mesh.Tests;

/// <summary>Other apps publishing straight to the documented exchange, good messages and bad.</summary>
[Collection(MeshCollection.Name)]
public sealed class QueueTests(MeshApp mesh)
{
    [Fact]
    public async Task JobPublishedStraightToTheExchange_IsRecordedAndTrained()
    {
        var id = TinyJobs.NewId("queue");
        await PublishAsync(Encoding.UTF8.GetBytes(TinyJobs.Job(id, "queue-" + id[6..14]).ToJsonString()), id);

        var record = await mesh.Gateway.WaitForFinalAsync(id);
        Assert.True(record.Status == JobStatus.Succeeded, record.Error);
        Assert.Equal($"jobs/{id}.jsonl", record.Spec.Dataset.Key);
        Assert.NotNull(record.Adapter);
    }

    [Fact]
    public async Task TwoCopiesOfOneJobMessage_TrainOnce()
    {
        var id = TinyJobs.NewId("twice");
        var adapter = "twice-" + id[6..14];
        var body = Encoding.UTF8.GetBytes(TinyJobs.Job(id, adapter, epochs: 20, batchSize: 1).ToJsonString());
        await Task.WhenAll(PublishAsync(body, id), PublishAsync(body, id));

        var record = await mesh.Gateway.WaitForFinalAsync(id);
        Assert.True(record.Status == JobStatus.Succeeded, record.Error);
        Assert.Equal(1, record.Attempts);
        Assert.Equal([1], await new Storage.AdapterCatalog(mesh.Store).VersionsAsync(adapter));
    }

    [Fact]
    public async Task PoisonMessage_IsDeadLetteredNotLooped()
    {
        var messageId = TinyJobs.NewId("poison");
        await PublishAsync(Encoding.UTF8.GetBytes("{ this is not json"), messageId);

        var dead = await WaitForDeadLetterAsync(messageId);
        Assert.Equal("{ this is not json", Encoding.UTF8.GetString(dead.Body.Span));
        // Rejected by the first worker that saw it (reason "rejected"), not dropped after looping to the delivery limit.
        Assert.Equal("rejected", DeathReason(dead));
    }

    [Fact]
    public async Task InvalidJobOnTheQueue_IsDeadLetteredAndRecordedAsFailedWithTheReason()
    {
        var id = TinyJobs.NewId("badq");
        var job = TinyJobs.Job(id, "badq-" + id[5..13]);
        job["training"]!["learningRate"] = -1;
        await PublishAsync(Encoding.UTF8.GetBytes(job.ToJsonString()), id);

        await WaitForDeadLetterAsync(id);
        var record = await mesh.Gateway.WaitForFinalAsync(id);
        Assert.Equal(JobStatus.Failed, record.Status);
        Assert.Contains("learning rate", record.Error);
    }

    /// <summary>
    /// Every worker that took the job died mid-job until the broker dead-lettered it at the delivery
    /// limit: the record (still <c>running</c>, as the last worker left it) must end failed with the
    /// reason. The message reaches the dead-letter exchange exactly as the broker sends it there.
    /// </summary>
    [Fact]
    public async Task JobDeadLetteredAtTheDeliveryLimitWhileRunning_EndsFailedWithTheReason()
    {
        var id = TinyJobs.NewId("killer");
        var job = TinyJobs.Job(id, "killer-" + id[7..15]);
        var body = Encoding.UTF8.GetBytes(job.ToJsonString());
        var spec = FineTuneMesh.Mesh.MeshJson.Deserialize<TrainingJobSpec>(body)!;
        await new JobStore(mesh.Store).SaveAsync(new JobRecord
        {
            Id = id, Spec = spec, Status = JobStatus.Running, CreatedAt = DateTimeOffset.UtcNow, StartedAt = DateTimeOffset.UtcNow,
            Attempts = MeshTopology.DeliveryLimit, Worker = "a-worker-that-died",
        });

        await using (var channel = await mesh.Broker.CreateChannelAsync(
            new CreateChannelOptions(publisherConfirmationsEnabled: true, publisherConfirmationTrackingEnabled: true)))
        {
            var death = new Dictionary<string, object?>
            {
                ["reason"] = "delivery_limit"u8.ToArray(),
                ["queue"] = Encoding.UTF8.GetBytes(MeshTopology.TrainingQueue),
                ["count"] = 1L,
                ["exchange"] = Encoding.UTF8.GetBytes(MeshTopology.TrainingExchange),
            };
            await channel.BasicPublishAsync(MeshTopology.DeadLetterExchange, "", mandatory: true, new BasicProperties
            {
                Persistent = true, MessageId = id, ContentType = "application/json",
                Headers = new Dictionary<string, object?> { ["x-death"] = new List<object?> { death } },
            }, body);
        }

        var record = await mesh.Gateway.WaitForFinalAsync(id);
        Assert.Equal(JobStatus.Failed, record.Status);
        Assert.Contains("delivery limit", record.Error);
        // The operators' dead-letter queue still has its copy.
        await WaitForDeadLetterAsync(id);
    }

    private static string? DeathReason(BasicGetResult message) =>
        message.BasicProperties.Headers?.TryGetValue("x-death", out var deaths) == true
        && deaths is IList<object> { Count: > 0 } list && list[0] is IDictionary<string, object> death
        && death.TryGetValue("reason", out var reason)
            ? reason is byte[] bytes ? Encoding.UTF8.GetString(bytes) : reason?.ToString()
            : null;

    private async Task PublishAsync(byte[] body, string messageId)
    {
        await using var channel = await mesh.Broker.CreateChannelAsync(
            new CreateChannelOptions(publisherConfirmationsEnabled: true, publisherConfirmationTrackingEnabled: true));
        await channel.BasicPublishAsync(MeshTopology.TrainingExchange, MeshTopology.TrainingRoutingKey, mandatory: true,
            new BasicProperties { Persistent = true, MessageId = messageId, ContentType = "application/json" }, body);
    }

    /// <summary>Takes messages off the dead-letter queue until ours shows up (others' are put back).</summary>
    private async Task<BasicGetResult> WaitForDeadLetterAsync(string messageId)
    {
        await using var channel = await mesh.Broker.CreateChannelAsync();
        var deadline = DateTime.UtcNow + TimeSpan.FromSeconds(60);
        while (DateTime.UtcNow < deadline)
        {
            var message = await channel.BasicGetAsync(MeshTopology.DeadLetterQueue, autoAck: false);
            if (message is null)
            {
                await Task.Delay(200);
                continue;
            }

            if (message.BasicProperties.MessageId == messageId)
            {
                await channel.BasicAckAsync(message.DeliveryTag, multiple: false);
                return message;
            }

            await channel.BasicNackAsync(message.DeliveryTag, multiple: false, requeue: true);
            await Task.Delay(50);
        }

        throw new TimeoutException($"message {messageId} never reached {MeshTopology.DeadLetterQueue}");
    }
}
