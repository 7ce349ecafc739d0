using FineTuneMesh.Mesh.Jobs;
using FineTuneMesh.Storage;
using FineTuneMesh.Trainer.Worker.Jobs;
using Microsoft.Extensions.Options;

namespace FineTuneMesh.Trainer.Worker.Apis;

/// <summary>
/// <c>PUT /api/train/datasets/{**key}</c> stores a JSONL file in the datasets bucket for jobs to
/// name by key; <c>GET</c> reads it back. <c>POST /api/train/datasets/{name}/versions</c> stores
/// the next version of a named dataset (its key is what a job names) and <c>GET /api/train/datasets</c>
/// lists the named ones. Each line must be a JSON record on upload; whether the records fit a
/// template and a model is checked when a job uses them.
/// </summary>
public static class DatasetsApi
{
    public static RouteGroupBuilder MapDatasetsApi(this RouteGroupBuilder api)
    {
        api.MapGet("/datasets", async (DatasetLibrary library, CancellationToken ct) =>
            Results.Ok(new { datasets = await library.ListAsync(ct) })).WithName("ListDatasets");
        api.MapPost("/datasets/{name}/versions", SaveVersionAsync).WithName("SaveDatasetVersion");
        api.MapPut("/datasets/{**key}", PutAsync).WithName("PutDataset");
        api.MapGet("/datasets/{**key}", GetAsync).WithName("GetDataset");
        return api;
    }

    private static async Task<IResult> PutAsync(string key, HttpRequest request, ArtifactStore store, IOptions<TrainerOptions> options,
        CancellationToken cancellationToken)
    {
        if (!JobValidator.IsValidDatasetKey(key))
        {
            return ApiErrors.BadRequest($"dataset key '{key}' must be letters, digits, '-', '_', '.' and '/' segments ending in .jsonl, without '..'.");
        }

        var (bytes, error) = await ReadJsonLinesAsync(request, key, options.Value, cancellationToken);
        if (error is not null)
        {
            return error;
        }

        var stored = await store.PutBytesAsync(MeshBuckets.Datasets, key, bytes!, "application/jsonl", cancellationToken);
        return Results.Created($"/api/train/datasets/{key}", stored);
    }

    private static async Task<IResult> SaveVersionAsync(string name, HttpRequest request, DatasetLibrary library,
        IOptions<TrainerOptions> options, CancellationToken cancellationToken)
    {
        if (!MeshNames.IsValid(name))
        {
            return ApiErrors.BadRequest(MeshNames.Describe("dataset name", name));
        }

        var (bytes, error) = await ReadJsonLinesAsync(request, name, options.Value, cancellationToken);
        if (error is not null)
        {
            return error;
        }

        var saved = await library.SaveAsync(name, bytes!, DatasetUploadCheck.RecordCount(bytes!), cancellationToken);
        return Results.Created($"/api/train/datasets/{saved.Key}", saved);
    }

    /// <summary>The body as JSONL records, or the error to answer: too large, empty, or a line that is not a JSON record (named).</summary>
    private static async Task<(byte[]? Bytes, IResult? Error)> ReadJsonLinesAsync(HttpRequest request, string dataset, TrainerOptions options,
        CancellationToken cancellationToken)
    {
        var (bytes, error) = await RequestBody.ReadBytesAsync(request, options.MaxRequestBytes, cancellationToken);
        return error is not null ? (null, error)
            : bytes.Length == 0 ? (null, ApiErrors.BadRequest("the dataset is empty; send JSONL, one record per line."))
            : DatasetUploadCheck.FirstProblem(bytes) is { } problem ? (null, ApiErrors.BadRequest($"dataset '{dataset}' was not stored: {problem}"))
            : (bytes, null);
    }

    private static async Task<IResult> GetAsync(string key, ArtifactStore store, CancellationToken cancellationToken) =>
        !JobValidator.IsValidDatasetKey(key) ? ApiErrors.BadRequest($"dataset key '{key}' is not a valid dataset key.")
        : await store.GetBytesAsync(MeshBuckets.Datasets, key, cancellationToken) is { } bytes ? Results.Bytes(bytes, "application/jsonl")
        : ApiErrors.NotFound($"no dataset '{key}'.");
}
