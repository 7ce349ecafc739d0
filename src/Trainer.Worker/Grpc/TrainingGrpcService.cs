using FineTuneMesh.Mesh.Jobs;
using FineTuneMesh.ServiceDefaults;
using FineTuneMesh.Storage;
using FineTuneMesh.Trainer.Worker.Jobs;
using FineTuneMesh.Trainer.Worker.Sweeps;
using FineTuneMesh.Training.V1;
using Grpc.Core;

namespace FineTuneMesh.Trainer.Worker.Grpc;

/// <summary>
/// The training jobs and sweeps API over gRPC (<c>protos/training/v1/training.proto</c>): the REST
/// API's submission, records and cancellation behind it, with its errors as gRPC statuses.
/// </summary>
public sealed class TrainingGrpcService(JobSubmission submission, JobStore jobs, JobCancellation cancellation, SweepSubmission sweepSubmission,
    SweepStore sweeps, SweepBoard board, SweepCancellation sweepCancellation) : Training.V1.Training.TrainingBase
{
    private const int MaxListed = 200;
    private static readonly TimeSpan _watchInterval = TimeSpan.FromMilliseconds(500);

    public override async Task<Job> SubmitJob(SubmitJobRequest request, ServerCallContext context)
    {
        SubmissionResult result;
        try
        {
            result = await submission.SubmitAsync(JobMessages.ToSpec(request), context.CancellationToken);
        }
        catch (QueueUnavailableException e)
        {
            throw new RpcException(new Status(StatusCode.Unavailable, e.Message));
        }

        return result switch
        {
            { Conflict: { } conflict } => throw new RpcException(new Status(StatusCode.AlreadyExists, conflict)),
            { Record: null } => throw new RpcException(new Status(StatusCode.InvalidArgument,
                ServerPaths.Redact(string.Join(" ", result.Errors)))),
            _ => JobMessages.ToMessage(result.Record),
        };
    }

    public override async Task<Job> GetJob(GetJobRequest request, ServerCallContext context) =>
        JobMessages.ToMessage(await FindAsync(request.Id, context.CancellationToken));

    public override async Task<ListJobsResponse> ListJobs(ListJobsRequest request, ServerCallContext context)
    {
        if (request.Limit is < 0 or > MaxListed)
        {
            throw new RpcException(new Status(StatusCode.InvalidArgument, $"limit must be 1 to {MaxListed} (0: 50), got {request.Limit}."));
        }

        var response = new ListJobsResponse();
        response.Jobs.AddRange((await jobs.ListAsync(request.Limit == 0 ? 50 : request.Limit, context.CancellationToken)).Select(JobMessages.ToMessage));
        return response;
    }

    public override async Task<Job> CancelJob(CancelJobRequest request, ServerCallContext context)
    {
        var record = await FindAsync(request.Id, context.CancellationToken);
        if (record.IsFinal)
        {
            throw new RpcException(new Status(StatusCode.FailedPrecondition,
                $"job '{request.Id}' already {JobEvent.StatusKind(record.Status)}; there is nothing to cancel."));
        }

        return JobMessages.ToMessage((await cancellation.CancelAsync(request.Id, context.CancellationToken))!);
    }

    /// <summary>
    /// Follows the stored record, which every worker writes whichever runs the job: a worker that
    /// dies and another that resumes the job are the same stream to the caller.
    /// </summary>
    public override async Task WatchJob(WatchJobRequest request, IServerStreamWriter<JobUpdate> responseStream, ServerCallContext context)
    {
        var record = await FindAsync(request.Id, context.CancellationToken);
        await responseStream.WriteAsync(new JobUpdate { Kind = "record", Job = JobMessages.ToMessage(record) }, context.CancellationToken);
        var (lastStep, lastStatus, lastPhase) = (Math.Max(request.AfterStep, record.Progress?.Step ?? 0), record.Status, record.Progress?.Phase);
        while (!record.IsFinal)
        {
            await Task.Delay(_watchInterval, context.CancellationToken);
            record = await jobs.GetAsync(request.Id, context.CancellationToken) ?? record;
            var step = record.Progress?.Step ?? 0;
            if (record.Status != lastStatus)
            {
                await responseStream.WriteAsync(new JobUpdate { Kind = JobEvent.StatusKind(record.Status), Job = JobMessages.ToMessage(record) },
                    context.CancellationToken);
            }
            else if (step > lastStep || record.Progress?.Phase != lastPhase)
            {
                await responseStream.WriteAsync(new JobUpdate { Kind = JobEvent.ProgressKind, Job = JobMessages.ToMessage(record) }, context.CancellationToken);
            }

            (lastStep, lastStatus, lastPhase) = (Math.Max(lastStep, step), record.Status, record.Progress?.Phase);
        }
    }

    public override async Task<Sweep> SubmitSweep(SubmitSweepRequest request, ServerCallContext context)
    {
        SweepSubmissionResult result;
        try
        {
            result = await sweepSubmission.SubmitAsync(SweepMessages.ToSpec(request), context.CancellationToken);
        }
        catch (QueueUnavailableException e)
        {
            throw new RpcException(new Status(StatusCode.Unavailable, $"{e.Message} Submit the same sweep again to queue the rest."));
        }

        return result switch
        {
            { Conflict: { } conflict } => throw new RpcException(new Status(StatusCode.AlreadyExists, conflict)),
            { Record: null } => throw new RpcException(new Status(StatusCode.InvalidArgument, ServerPaths.Redact(string.Join(" ", result.Errors)))),
            _ => SweepMessages.ToMessage(await board.ViewAsync(result.Record, context.CancellationToken)),
        };
    }

    public override async Task<Sweep> GetSweep(GetSweepRequest request, ServerCallContext context) =>
        SweepMessages.ToMessage(await board.ViewAsync(await FindSweepAsync(request.Id, context.CancellationToken), context.CancellationToken));

    public override async Task<ListSweepsResponse> ListSweeps(ListSweepsRequest request, ServerCallContext context)
    {
        var response = new ListSweepsResponse();
        foreach (var sweep in await sweeps.ListAsync(context.CancellationToken))
        {
            response.Sweeps.Add(SweepMessages.ToMessage(await board.ViewAsync(sweep, context.CancellationToken)));
        }

        return response;
    }

    public override async Task<Sweep> CancelSweep(CancelSweepRequest request, ServerCallContext context)
    {
        var sweep = await FindSweepAsync(request.Id, context.CancellationToken);
        return await sweepCancellation.CancelAsync(sweep, context.CancellationToken) is { } view ? SweepMessages.ToMessage(view)
            : throw new RpcException(new Status(StatusCode.FailedPrecondition, $"sweep '{request.Id}' has ended; there is nothing to cancel."));
    }

    public override async Task WatchSweep(GetSweepRequest request, IServerStreamWriter<Sweep> responseStream, ServerCallContext context)
    {
        var sweep = await FindSweepAsync(request.Id, context.CancellationToken);
        Sweep? last = null;
        while (true)
        {
            var current = SweepMessages.ToMessage(await board.ViewAsync(sweep, context.CancellationToken));
            if (!current.Equals(last))
            {
                await responseStream.WriteAsync(current, context.CancellationToken);
                last = current;
            }

            if (current.Status is "succeeded" or "failed" or "cancelled")
            {
                return;
            }

            await Task.Delay(_watchInterval, context.CancellationToken);
            sweep = await sweeps.GetAsync(request.Id, context.CancellationToken) ?? sweep;
        }
    }

    private async Task<Mesh.Sweeps.SweepRecord> FindSweepAsync(string id, CancellationToken cancellationToken) =>
        !MeshNames.IsValid(id) ? throw new RpcException(new Status(StatusCode.InvalidArgument, MeshNames.Describe("sweep id", id)))
        : await sweeps.GetAsync(id, cancellationToken) ?? throw new RpcException(new Status(StatusCode.NotFound, $"no sweep '{id}'."));

    private async Task<JobRecord> FindAsync(string id, CancellationToken cancellationToken) =>
        !MeshNames.IsValid(id) ? throw new RpcException(new Status(StatusCode.InvalidArgument, MeshNames.Describe("job id", id)))
        : await jobs.GetAsync(id, cancellationToken) ?? throw new RpcException(new Status(StatusCode.NotFound, $"no training job '{id}'."));
}
