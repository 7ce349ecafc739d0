using System.Text.Json;
using FineTuneMesh.Mesh.Jobs;
using FineTuneMesh.Messaging;
using FineTuneMesh.Trainer.Worker.Worker;

namespace FineTuneMesh.Trainer.Worker.Tests;

/// <summary>The job consumer's rules, one by one: what it does with a delivery, a failure, an interruption.</summary>
public sealed class ConsumerDecisionsTests
{
    [Theory]
    [InlineData(JobStatus.Queued, false, DeliveryAction.Run)]
    [InlineData(JobStatus.Queued, true, DeliveryAction.Run)]
    [InlineData(JobStatus.Running, true, DeliveryAction.Run)]
    [InlineData(JobStatus.Running, false, DeliveryAction.SkipDuplicate)]
    [InlineData(JobStatus.Succeeded, false, DeliveryAction.SkipDuplicate)]
    [InlineData(JobStatus.Succeeded, true, DeliveryAction.SkipDuplicate)]
    [InlineData(JobStatus.Failed, true, DeliveryAction.SkipDuplicate)]
    [InlineData(JobStatus.Cancelled, true, DeliveryAction.SkipDuplicate)]
    public void ADelivery_RunsUnlessTheJobIsFinalOrAnotherWorkerHoldsIt(JobStatus status, bool redelivered, DeliveryAction expected) =>
        Assert.Equal(expected, ConsumerDecisions.OnDelivery(Record(status), redelivered, cancelHeard: false));

    [Fact]
    public void ACancelAskedForBeforeTraining_FinishesTheJobCancelled_WhetherStoredOrHeard()
    {
        Assert.Equal(DeliveryAction.FinishCancelled, ConsumerDecisions.OnDelivery(Record(JobStatus.Queued) with { CancelRequested = true }, false, false));
        Assert.Equal(DeliveryAction.FinishCancelled, ConsumerDecisions.OnDelivery(Record(JobStatus.Queued), false, cancelHeard: true));
        Assert.Equal(DeliveryAction.FinishCancelled, ConsumerDecisions.OnDelivery(Record(JobStatus.Running), redelivered: true, cancelHeard: true));
    }

    [Fact]
    public void AFinalJob_StaysAsItIs_EvenWithACancelAskedFor() =>
        Assert.Equal(DeliveryAction.SkipDuplicate,
            ConsumerDecisions.OnDelivery(Record(JobStatus.Succeeded) with { CancelRequested = true }, redelivered: true, cancelHeard: true));

    public static TheoryData<Exception> PermanentErrors() =>
    [
        new InvalidDataException("line 3 is not JSON"),
        new ArgumentException("rank must be positive"),
        new FormatException("bad number"),
        new JsonException("bad token"),
    ];

    [Theory]
    [MemberData(nameof(PermanentErrors))]
    public void BadDataOrSettings_FailTheJobAtOnce_OnAnyDelivery(Exception error)
    {
        Assert.Equal(FailureAction.FailAndAcknowledge, ConsumerDecisions.OnFailure(error, deliveryCount: 0));
        Assert.Equal(FailureAction.FailAndAcknowledge, ConsumerDecisions.OnFailure(error, MeshTopology.DeliveryLimit - 1));
    }

    [Fact]
    public void ATransientError_RequeuesTheJob_UntilItsLastAllowedDelivery_ThenDeadLettersIt()
    {
        var error = new IOException("the S3 server went away");
        for (var count = 0; count < MeshTopology.DeliveryLimit - 1; count++)
        {
            Assert.Equal(FailureAction.Requeue, ConsumerDecisions.OnFailure(error, count));
        }

        Assert.Equal(FailureAction.FailAndDeadLetter, ConsumerDecisions.OnFailure(error, MeshTopology.DeliveryLimit - 1));
        Assert.Equal(FailureAction.FailAndDeadLetter, ConsumerDecisions.OnFailure(error, MeshTopology.DeliveryLimit));
    }

    [Fact]
    public void AnInterruptedJob_IsRequeued_UnlessACancelWasStoredMeanwhile()
    {
        Assert.Equal(InterruptionAction.Requeue, ConsumerDecisions.OnInterruption(Record(JobStatus.Running)));
        Assert.Equal(InterruptionAction.Requeue, ConsumerDecisions.OnInterruption(stored: null));
        Assert.Equal(InterruptionAction.FinishCancelled, ConsumerDecisions.OnInterruption(Record(JobStatus.Running) with { CancelRequested = true }));
    }

    private static JobRecord Record(JobStatus status) => new() { Id = "job-1", Spec = new TrainingJobSpec { AdapterName = "bot" }, Status = status };
}
