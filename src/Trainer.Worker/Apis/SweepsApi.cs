using System.Net.ServerSentEvents;
using System.Runtime.CompilerServices;
using System.Text.Json;
using FineTuneMesh.Mesh;
using FineTuneMesh.Mesh.Jobs;
using FineTuneMesh.Mesh.Sweeps;
using FineTuneMesh.ServiceDefaults;
using FineTuneMesh.Storage;
using FineTuneMesh.Trainer.Worker.Jobs;
using FineTuneMesh.Trainer.Worker.Sweeps;
using Microsoft.Extensions.Options;

namespace FineTuneMesh.Trainer.Worker.Apis;

/// <summary>
/// <c>/api/train/sweeps</c>: submit a sweep (its trials queue as ordinary training jobs), list
/// them, read one with its leaderboard, follow it as server-sent events until it ends, cancel it
/// (every trial with it).
/// </summary>
public static class SweepsApi
{
    private static readonly TimeSpan _pollInterval = TimeSpan.FromSeconds(1);

    public static RouteGroupBuilder MapSweepsApi(this RouteGroupBuilder api)
    {
        api.MapPost("/sweeps", SubmitAsync).WithName("SubmitSweep");
        api.MapGet("/sweeps", ListAsync).WithName("ListSweeps");
        api.MapGet("/sweeps/{id}", GetAsync).WithName("GetSweep");
        api.MapGet("/sweeps/{id}/events", EventsAsync).WithName("StreamSweepEvents");
        api.MapDelete("/sweeps/{id}", CancelAsync).WithName("CancelSweep");
        return api;
    }

    private static async Task<IResult> SubmitAsync(HttpRequest request, SweepSubmission submission, SweepBoard board,
        IOptions<TrainerOptions> options, CancellationToken cancellationToken)
    {
        var (spec, error) = await RequestBody.ReadJsonAsync<SweepSpec>(request, options.Value.MaxRequestBytes, cancellationToken);
        if (error is not null)
        {
            return error;
        }

        SweepSubmissionResult result;
        try
        {
            result = await submission.SubmitAsync(spec!, cancellationToken);
        }
        catch (QueueUnavailableException e)
        {
            return ApiErrors.Unavailable($"{e.Message} Submit the same sweep again to queue the rest.");
        }

        if (result.Conflict is not null)
        {
            return ApiErrors.Conflict(result.Conflict);
        }

        if (result.Record is null)
        {
            return ApiErrors.BadRequest(result.Errors);
        }

        var view = await board.ViewAsync(result.Record, cancellationToken);
        var location = $"/api/train/sweeps/{result.Record.Id}";
        return result.Created ? Results.Accepted(location, view) : Results.Ok(view);
    }

    private static async Task<IResult> ListAsync(SweepStore sweeps, SweepBoard board, CancellationToken cancellationToken)
    {
        var views = new List<SweepView>();
        foreach (var sweep in await sweeps.ListAsync(cancellationToken))
        {
            views.Add(await board.ViewAsync(sweep, cancellationToken));
        }

        return Results.Ok(new { sweeps = views });
    }

    private static async Task<IResult> GetAsync(string id, SweepStore sweeps, SweepBoard board, CancellationToken cancellationToken) =>
        !MeshNames.IsValid(id) ? ApiErrors.BadRequest(MeshNames.Describe("sweep id", id))
        : await sweeps.GetAsync(id, cancellationToken) is { } sweep ? Results.Ok(await board.ViewAsync(sweep, cancellationToken))
        : ApiErrors.NotFound($"no sweep '{id}'.");

    private static async Task<IResult> EventsAsync(string id, HttpContext context, SweepStore sweeps, SweepBoard board, CancellationToken cancellationToken)
    {
        if (!MeshNames.IsValid(id))
        {
            return ApiErrors.BadRequest(MeshNames.Describe("sweep id", id));
        }

        if (await sweeps.GetAsync(id, cancellationToken) is null)
        {
            return ApiErrors.NotFound($"no sweep '{id}'.");
        }

        return TypedResults.ServerSentEvents(ViewsAsync(id, sweeps, board, new SseKeepAlive(context.Response), cancellationToken));
    }

    /// <summary>The sweep as an event (<c>sweep</c>) each time its standing changes, until it ends; comments keep a quiet stream open.</summary>
    private static async IAsyncEnumerable<SseItem<string>> ViewsAsync(string id, SweepStore sweeps, SweepBoard board, SseKeepAlive keepAlive,
        [EnumeratorCancellation] CancellationToken cancellationToken)
    {
        string? last = null;
        var quiet = TimeSpan.Zero;
        while (!cancellationToken.IsCancellationRequested)
        {
            var sweep = await sweeps.GetAsync(id, cancellationToken);
            var view = await board.ViewAsync(sweep!, cancellationToken);
            var json = JsonSerializer.Serialize(view, MeshJson.Options);
            if (json != last)
            {
                last = json;
                quiet = TimeSpan.Zero;
                yield return new SseItem<string>(json, "sweep");
            }
            else if ((quiet += _pollInterval) >= TimeSpan.FromSeconds(15))
            {
                quiet = TimeSpan.Zero;
                await keepAlive.WriteAsync(cancellationToken);
            }

            if (view.Status is JobStatus.Succeeded or JobStatus.Failed or JobStatus.Cancelled)
            {
                yield break;
            }

            await Task.Delay(_pollInterval, cancellationToken);
        }
    }

    /// <summary>Marks the sweep cancelled and cancels every trial that has not ended.</summary>
    private static async Task<IResult> CancelAsync(string id, SweepStore sweeps, SweepCancellation cancellation, CancellationToken cancellationToken)
    {
        if (!MeshNames.IsValid(id))
        {
            return ApiErrors.BadRequest(MeshNames.Describe("sweep id", id));
        }

        if (await sweeps.GetAsync(id, cancellationToken) is not { } sweep)
        {
            return ApiErrors.NotFound($"no sweep '{id}'.");
        }

        return await cancellation.CancelAsync(sweep, cancellationToken) is { } view
            ? Results.Accepted($"/api/train/sweeps/{id}", view)
            : ApiErrors.Conflict($"sweep '{id}' has ended; there is nothing to cancel.");
    }
}
