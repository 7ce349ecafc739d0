using System.Net;
using Aspire.Hosting;
using Aspire.Hosting.ApplicationModel;
using FineTuneMesh.Mesh.Jobs;
using Microsoft.Extensions.DependencyInjection;

namespace FineTuneMesh.Mesh.Tests;

/// <summary>The broker and the object store restart under a running mesh: records stay, and work goes on.</summary>
[Collection(FailureCollection.Name)]
public sealed class RestartTests(FailureMeshApp mesh)
{
    [Fact]
    public async Task BrokerAndStorageRestart_JobRecordsSurvive_AndNewJobsStillTrain()
    {
        var before = TinyJobs.NewId("before");
        using (var submitted = await mesh.Gateway.SubmitAsync(TinyJobs.Job(before, "before-" + before[7..15], epochs: 1)))
        {
            Assert.Equal(HttpStatusCode.Accepted, submitted.StatusCode);
        }

        Assert.Equal(JobStatus.Succeeded, (await mesh.Gateway.WaitForFinalAsync(before)).Status);

        await RestartAsync("s3");
        await RestartAsync("rabbitmq");

        // The record was written before both restarts and is still there, unchanged.
        var record = await mesh.Gateway.WaitForJobAsync(before, r => r.IsFinal, TimeSpan.FromMinutes(1));
        Assert.Equal(JobStatus.Succeeded, record.Status);
        Assert.NotNull(record.Adapter);

        // The services reconnect by themselves: the next job is queued, consumed and stored as usual.
        var after = TinyJobs.NewId("after");
        var deadline = DateTime.UtcNow + TimeSpan.FromMinutes(1);
        HttpStatusCode status;
        do
        {
            using var submitted = await mesh.Gateway.SubmitAsync(TinyJobs.Job(after, "after-" + after[6..14], epochs: 1));
            status = submitted.StatusCode;
            if (status != HttpStatusCode.Accepted)
            {
                await Task.Delay(1000);
            }
        }
        while (status != HttpStatusCode.Accepted && DateTime.UtcNow < deadline);

        Assert.Equal(HttpStatusCode.Accepted, status);
        Assert.Equal(JobStatus.Succeeded, (await mesh.Gateway.WaitForFinalAsync(after)).Status);
    }

    private async Task RestartAsync(string name)
    {
        var resource = mesh.App.Services.GetRequiredService<DistributedApplicationModel>().Resources.Single(r => r.Name == name);
        var result = await mesh.App.ResourceCommands.ExecuteCommandAsync(resource, KnownResourceCommands.RestartCommand);
        Assert.True(result.Success, $"restarting {name}: {result.Message}");
        try
        {
            await WaitHealthyAsync(name);
        }
        catch (DistributedApplicationException)
        {
            // Aspire's restart has (rarely, under load) left the server not running, its process
            // started but silent (see the s3 log): what an operator would do next is start it again.
            // What this test checks is the mesh recovering once the servers are back.
            var started = await mesh.App.ResourceCommands.ExecuteCommandAsync(resource, KnownResourceCommands.StartCommand);
            Assert.True(started.Success, $"starting {name} after a failed restart: {started.Message}");
            await WaitHealthyAsync(name);
        }
    }

    private async Task WaitHealthyAsync(string name)
    {
        using var healthy = new CancellationTokenSource(TimeSpan.FromMinutes(1));
        await mesh.App.ResourceNotifications.WaitForResourceHealthyAsync(name, healthy.Token);
    }
}
