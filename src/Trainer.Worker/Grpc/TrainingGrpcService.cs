using FineTuneMesh.Mesh.Jobs;
using FineTuneMesh.ServiceDefaults;
using FineTuneMesh.Storage;
using FineTuneMesh.Trainer.Worker.Jobs;
using FineTuneMesh.Training.V1;
using Grpc.Core;

namespace FineTuneMesh.Trainer.Worker.Grpc;

/// <summary>
/// The training jobs API over gRPC (<c>protos/training/v1/training.proto</c>): the REST API's
/// submission, records and cancellation behind it, with its errors as gRPC statuses.
/// </summary>
public sealed class TrainingGrpcService(JobSubmission submission, JobStore jobs, JobCancellation cancellation) : Training.V1.Training.TrainingBase
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

    private async Task<JobRecord> FindAsync(string id, CancellationToken cancellationToken) =>
        !MeshNames.IsValid(id) ? throw new RpcException(new Status(StatusCode.InvalidArgument, MeshNames.Describe("job id", id)))
        : await jobs.GetAsync(id, cancellationToken) ?? throw new RpcException(new Status(StatusCode.NotFound, $"no training job '{id}'."));
}
