using FineTuneMesh.Mesh.Jobs;
using FineTuneMesh.ServiceDefaults;
using FineTuneMesh.Storage;
using FineTuneMesh.Trainer.Worker.Jobs;
using Microsoft.Extensions.Options;

namespace FineTuneMesh.Trainer.Worker.Apis;

/// <summary>
/// <c>/api/train/jobs</c>: submit (202, or 200 for a repeated id), read, list, cancel, and follow
/// a job live. Any trainer replica answers for any job: the records live in object storage.
/// </summary>
public static class TrainingJobsApi
{
    public const int MaxListed = 200;

    public static RouteGroupBuilder MapTrainingJobsApi(this RouteGroupBuilder api)
    {
        api.MapPost("/jobs", SubmitAsync).WithName("SubmitTrainingJob");
        api.MapGet("/jobs", ListAsync).WithName("ListTrainingJobs");
        api.MapGet("/jobs/{id}", GetAsync).WithName("GetTrainingJob");
        api.MapDelete("/jobs/{id}", CancelAsync).WithName("CancelTrainingJob");
        api.MapGet("/jobs/{id}/events", EventsAsync).WithName("StreamTrainingJobEvents");
        return api;
    }

    private static async Task<IResult> SubmitAsync(HttpRequest request, JobSubmission submission, IOptions<TrainerOptions> options,
        CancellationToken cancellationToken)
    {
        var (spec, error) = await RequestBody.ReadJsonAsync<TrainingJobSpec>(request, options.Value.MaxRequestBytes, cancellationToken);
        if (error is not null)
        {
            return error;
        }

        SubmissionResult result;
        try
        {
            result = await submission.SubmitAsync(spec!, cancellationToken);
        }
        catch (QueueUnavailableException e)
        {
            return ApiErrors.Unavailable(e.Message);
        }

        if (result.Conflict is not null)
        {
            return ApiErrors.Conflict(result.Conflict);
        }

        if (result.Record is null)
        {
            return ApiErrors.BadRequest(result.Errors);
        }

        var location = $"/api/train/jobs/{result.Record.Id}";
        return result.Created ? Results.Accepted(location, result.Record) : Results.Ok(result.Record);
    }

    private static async Task<IResult> ListAsync(JobStore jobs, HttpRequest request, CancellationToken cancellationToken)
    {
        var limit = 50;
        if (request.Query.TryGetValue("limit", out var given)
            && (given.Count != 1 || !int.TryParse(given[0], System.Globalization.NumberStyles.None, System.Globalization.CultureInfo.InvariantCulture, out limit)
                || limit is < 1 or > MaxListed))
        {
            return ApiErrors.BadRequest($"limit must be a whole number from 1 to {MaxListed}, got '{given}'.");
        }

        return Results.Ok(new { jobs = await jobs.ListAsync(limit, cancellationToken) });
    }

    private static async Task<IResult> GetAsync(string id, JobStore jobs, CancellationToken cancellationToken) =>
        !MeshNames.IsValid(id) ? ApiErrors.BadRequest(MeshNames.Describe("job id", id))
        : await jobs.GetAsync(id, cancellationToken) is { } record ? Results.Ok(record)
        : ApiErrors.NotFound($"no training job '{id}'.");

    /// <summary>
    /// Marks the job for cancellation and tells the workers; a queued job is cancelled at once, a
    /// running one stops within a training step.
    /// </summary>
    private static async Task<IResult> CancelAsync(string id, JobStore jobs, JobCancellation cancellation, CancellationToken cancellationToken)
    {
        if (!MeshNames.IsValid(id))
        {
            return ApiErrors.BadRequest(MeshNames.Describe("job id", id));
        }

        if (await jobs.GetAsync(id, cancellationToken) is not { } existing)
        {
            return ApiErrors.NotFound($"no training job '{id}'.");
        }

        if (existing.IsFinal)
        {
            return ApiErrors.Conflict($"job '{id}' already {existing.Status.ToString().ToLowerInvariant()}; there is nothing to cancel.");
        }

        var record = await cancellation.CancelAsync(id, cancellationToken);
        return Results.Accepted($"/api/train/jobs/{id}", record);
    }

    private static async Task<IResult> EventsAsync(string id, HttpContext context, JobStore jobs, JobEventStream stream,
        CancellationToken cancellationToken)
    {
        if (!MeshNames.IsValid(id))
        {
            return ApiErrors.BadRequest(MeshNames.Describe("job id", id));
        }

        if (await jobs.GetAsync(id, cancellationToken) is null)
        {
            return ApiErrors.NotFound($"no training job '{id}'.");
        }

        if (stream.TryTakeSlot() is not { } slot)
        {
            return ApiErrors.Unavailable("too many event streams are open on this trainer; poll GET /api/train/jobs/{id} or retry shortly.");
        }

        context.Response.RegisterForDispose(slot);
        return TypedResults.ServerSentEvents(stream.ReadAsync(id, new SseKeepAlive(context.Response), cancellationToken));
    }
}
