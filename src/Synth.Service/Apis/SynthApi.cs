using System.Diagnostics;
using System.Net.ServerSentEvents;
using FineTuneMesh.Mesh.Jobs;
using FineTuneMesh.ServiceDefaults;
using FineTuneMesh.Synth.Service.Jobs;
using FineTuneMesh.Synth.Service.Providers;
using FineTuneMesh.Synth.Service.Storage;
using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.Extensions.Options;

namespace FineTuneMesh.Synth.Service.Apis;

public static class SynthApi
{
    public const string ServiceName = "synth";

    public static RouteGroupBuilder MapSynthApi(this IEndpointRouteBuilder app)
    {
        var api = app.MapGroup("/api/synth").WithTags("Synth");

        api.MapGet("/info", GetInfo).WithName("GetSynthInfo");
        api.MapGet("/providers", GetProviders).WithName("ListSynthProviders");
        api.MapPost("/jobs", CreateJob).WithName("CreateSynthJob");
        api.MapGet("/jobs/{id}", GetJob).WithName("GetSynthJob");
        api.MapDelete("/jobs/{id}", CancelJob).WithName("CancelSynthJob");
        api.MapGet("/jobs/{id}/events", GetEvents).WithName("GetSynthJobEvents");
        api.MapGet("/jobs/{id}/dataset", GetDataset).WithName("GetSynthDataset");
        api.MapGet("/jobs/{id}/report", GetReport).WithName("GetSynthReport");

        return api;
    }

    /// <summary>The service's name, build version and configured base model.</summary>
    public static Ok<ServiceInfo> GetInfo(IConfiguration configuration, IHostEnvironment environment) =>
        TypedResults.Ok(ServiceInfo.Describe(ServiceName, typeof(SynthApi).Assembly, configuration, environment));

    /// <summary>
    /// The configured providers a job may name, with their kind and default model (never their key
    /// or address), and the one a job gets when it names none.
    /// </summary>
    public static Ok<ProviderList> GetProviders(IOptions<SynthOptions> options, IConfiguration configuration) =>
        TypedResults.Ok(new ProviderList(options.Value.DefaultProvider, [.. options.Value.Providers
            .OrderBy(p => p.Key, StringComparer.Ordinal)
            .Select(p => new ProviderSummary(p.Key, p.Value.Kind.ToString(),
                p.Value.Model ?? (p.Value.Kind == ProviderKind.Inference ? configuration.GetBaseModel() : null)))]));

    /// <summary>Validates the request, stores the queued job and returns it; the work runs in the background.</summary>
    public static async Task<Results<Accepted<SynthJob>, ValidationProblem>> CreateJob(SynthJobRequest request,
        SynthJobRequestValidator validator, SynthJobTracker tracker, SynthJobQueue queue, SynthStore store, TimeProvider timeProvider,
        CancellationToken cancellationToken)
    {
        var id = Guid.CreateVersion7().ToString("N");
        var spec = validator.Validate(request, id, out var errors);
        if (spec is null)
        {
            return TypedResults.ValidationProblem(errors, title: "The synthesis job request is not valid.");
        }

        var job = new SynthJob
        {
            Id = id,
            Status = SynthJobStatus.Queued,
            Provider = spec.Provider.Name,
            Model = spec.Provider.Model,
            Count = spec.Count,
            CreatedAt = timeProvider.GetUtcNow(),
            Training = spec.Train is { } train ? new TrainingHandoffState(train.AdapterName!, "pending") : null,
        };
        tracker.Add(job);
        await store.SaveJobAsync(job, cancellationToken);
        queue.Enqueue(new QueuedJob(spec, Activity.Current?.Context ?? default));
        return TypedResults.Accepted($"/api/synth/jobs/{id}", job);
    }

    public static async Task<Results<Ok<SynthJob>, ProblemHttpResult>> GetJob(string id, SynthJobTracker tracker, SynthStore store,
        CancellationToken cancellationToken) =>
        await FindAsync(id, tracker, store, cancellationToken) is { } job ? TypedResults.Ok(job) : Missing(id);

    /// <summary>Asks a queued or running job to stop; it keeps and stores what it accepted so far.</summary>
    public static Results<Accepted<SynthJob>, ProblemHttpResult, Conflict<string>> CancelJob(string id, SynthJobTracker tracker)
    {
        if (tracker.Find(id) is not { } tracked)
        {
            return Missing(id);
        }

        if (tracked.Job.IsFinished)
        {
            return TypedResults.Conflict($"job {id} has already finished ({tracked.Job.Status}).");
        }

        tracked.Cancellation.Cancel();
        return TypedResults.Accepted($"/api/synth/jobs/{id}", tracked.Job);
    }

    /// <summary>Server-sent events: every event so far, then new ones, until the job finishes.</summary>
    public static async Task<Results<ServerSentEventsResult<SynthJobEvent>, ProblemHttpResult>> GetEvents(string id, SynthJobTracker tracker,
        SynthStore store, CancellationToken cancellationToken)
    {
        if (tracker.Find(id) is { } tracked)
        {
            return TypedResults.ServerSentEvents(Items(tracked.ReadEventsAsync(cancellationToken)));
        }

        // A job from before a restart: one event with its final state.
        if (MeshNames.IsValid(id) && await store.GetJobAsync(id, cancellationToken) is { } stored)
        {
            var last = new SynthJobEvent(1, "status", stored.Status, stored.Accepted, stored.Rejected, stored.Requests,
                stored.InputTokens + stored.OutputTokens, stored.Error, stored.FinishedAt ?? stored.CreatedAt);
            return TypedResults.ServerSentEvents(Items(One(last)));
        }

        return Missing(id);
    }

    /// <summary>The dataset as JSONL, once stored (also after a failed or cancelled job: what was accepted).</summary>
    public static async Task<Results<FileContentHttpResult, ProblemHttpResult, Conflict<string>>> GetDataset(string id, SynthJobTracker tracker,
        SynthStore store, CancellationToken cancellationToken) =>
        await GetArtifactAsync(id, j => j.Dataset, "application/jsonl", $"synth-{id}.jsonl", tracker, store, cancellationToken);

    public static async Task<Results<FileContentHttpResult, ProblemHttpResult, Conflict<string>>> GetReport(string id, SynthJobTracker tracker,
        SynthStore store, CancellationToken cancellationToken) =>
        await GetArtifactAsync(id, j => j.Report, "application/json", null, tracker, store, cancellationToken);

    private static async Task<Results<FileContentHttpResult, ProblemHttpResult, Conflict<string>>> GetArtifactAsync(string id,
        Func<SynthJob, ArtifactRef?> select, string contentType, string? downloadName, SynthJobTracker tracker, SynthStore store,
        CancellationToken cancellationToken)
    {
        if (await FindAsync(id, tracker, store, cancellationToken) is not { } job)
        {
            return Missing(id);
        }

        if (select(job) is not { } where)
        {
            return TypedResults.Conflict($"job {id} is {job.Status.ToString().ToLowerInvariant()}; nothing is stored yet.");
        }

        return await store.GetAsync(where, cancellationToken) is { } bytes
            ? TypedResults.File(bytes, contentType, downloadName)
            : TypedResults.Problem($"job {id} lists an artifact that is no longer stored.", statusCode: StatusCodes.Status404NotFound);
    }

    private static async Task<SynthJob?> FindAsync(string id, SynthJobTracker tracker, SynthStore store, CancellationToken cancellationToken) =>
        !MeshNames.IsValid(id) ? null : tracker.Find(id)?.Job ?? await store.GetJobAsync(id, cancellationToken);

    /// <summary>Problem details for an id that names no job: 400 when it cannot be a job id (it becomes a storage key), else 404.</summary>
    private static ProblemHttpResult Missing(string id) => MeshNames.IsValid(id)
        ? TypedResults.Problem($"no synthesis job '{id}'.", statusCode: StatusCodes.Status404NotFound)
        : TypedResults.Problem(MeshNames.Describe("job id", id), statusCode: StatusCodes.Status400BadRequest);

    private static async IAsyncEnumerable<SseItem<SynthJobEvent>> Items(IAsyncEnumerable<SynthJobEvent> events)
    {
        await foreach (var item in events)
        {
            yield return new SseItem<SynthJobEvent>(item, item.Type) { EventId = item.Sequence.ToString(System.Globalization.CultureInfo.InvariantCulture) };
        }
    }

    private static async IAsyncEnumerable<SynthJobEvent> One(SynthJobEvent item)
    {
        await Task.CompletedTask;
        yield return item;
    }
}
