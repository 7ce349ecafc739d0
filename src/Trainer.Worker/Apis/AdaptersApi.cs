using FineTuneMesh.Mesh.Jobs;
using FineTuneMesh.Storage;
using FineTuneMesh.Trainer.Worker.Exports;

namespace FineTuneMesh.Trainer.Worker.Apis;

/// <summary>
/// <c>/api/train/adapters</c>: every adapter's newest manifest, one adapter's versions, a version's
/// manifest, its files (the PEFT adapter, metrics.json, loss.svg, evaluation.json) for download,
/// and its exports (a merged model, GGUF), made on request and kept.
/// </summary>
public static class AdaptersApi
{
    public static RouteGroupBuilder MapAdaptersApi(this RouteGroupBuilder api)
    {
        api.MapGet("/adapters", async (AdapterCatalog catalog, CancellationToken ct) =>
            Results.Ok(new { adapters = await catalog.ListAsync(ct) })).WithName("ListAdapters");
        api.MapGet("/adapters/{name}", GetAsync).WithName("GetAdapter");
        api.MapGet("/adapters/{name}/versions/{version:int}", GetVersionAsync).WithName("GetAdapterVersion");
        api.MapGet("/adapters/{name}/versions/{version:int}/files/{file}", GetFileAsync).WithName("GetAdapterFile");
        api.MapPost("/adapters/{name}/versions/{version:int}/exports", ExportAsync).WithName("ExportAdapter");
        api.MapGet("/adapters/{name}/versions/{version:int}/exports/{file}", GetExportAsync).WithName("GetAdapterExport");
        return api;
    }

    private static async Task<IResult> GetAsync(string name, AdapterCatalog catalog, CancellationToken cancellationToken)
    {
        if (!MeshNames.IsValid(name))
        {
            return ApiErrors.BadRequest(MeshNames.Describe("adapter name", name));
        }

        return await catalog.GetAsync(name, null, cancellationToken) is { } latest
            ? Results.Ok(new { latest, versions = await catalog.VersionsAsync(name, cancellationToken) })
            : ApiErrors.NotFound($"no adapter '{name}'.");
    }

    private static async Task<IResult> GetVersionAsync(string name, int version, AdapterCatalog catalog, CancellationToken cancellationToken) =>
        !MeshNames.IsValid(name) ? ApiErrors.BadRequest(MeshNames.Describe("adapter name", name))
        : await catalog.GetAsync(name, version, cancellationToken) is { } manifest ? Results.Ok(manifest)
        : ApiErrors.NotFound($"no adapter '{name}' version {version}.");

    private static async Task<IResult> ExportAsync(string name, int version, ExportRequest? request, AdapterCatalog catalog,
        AdapterExporter exporter, CancellationToken cancellationToken)
    {
        if (!MeshNames.IsValid(name))
        {
            return ApiErrors.BadRequest(MeshNames.Describe("adapter name", name));
        }

        if (request?.Format is not { } format || ExportFormat.FileOf(format) is null)
        {
            return ApiErrors.BadRequest($"format must be one of {string.Join(", ", ExportFormat.All)}, got '{request?.Format}'.");
        }

        if (await catalog.GetAsync(name, version, cancellationToken) is not { } manifest)
        {
            return ApiErrors.NotFound($"no adapter '{name}' version {version}.");
        }

        try
        {
            return Results.Ok(await exporter.ExportAsync(manifest, format, cancellationToken));
        }
        catch (InvalidOperationException e)
        {
            return ApiErrors.Conflict(e.Message);
        }
    }

    private static async Task<IResult> GetExportAsync(string name, int version, string file, AdapterCatalog catalog, ArtifactStore store,
        CancellationToken cancellationToken)
    {
        if (!MeshNames.IsValid(name))
        {
            return ApiErrors.BadRequest(MeshNames.Describe("adapter name", name));
        }

        if (!ExportFormat.All.Any(f => ExportFormat.FileOf(f) == file) || await catalog.GetAsync(name, version, cancellationToken) is not { } manifest)
        {
            return ApiErrors.NotFound($"adapter '{name}' version {version} has no export '{file}'.");
        }

        var bytes = await store.GetBytesAsync(MeshBuckets.Adapters, AdapterExporter.KeyOf(manifest, file), cancellationToken);
        return bytes is null ? ApiErrors.NotFound($"adapter '{name}' version {version} has not been exported as '{file}' yet; POST to its exports first.")
            : Results.File(bytes, "application/octet-stream", file);
    }

    private static async Task<IResult> GetFileAsync(string name, int version, string file, AdapterCatalog catalog, ArtifactStore store,
        CancellationToken cancellationToken)
    {
        if (!MeshNames.IsValid(name))
        {
            return ApiErrors.BadRequest(MeshNames.Describe("adapter name", name));
        }

        if (await catalog.GetAsync(name, version, cancellationToken) is not { } manifest || manifest.Files.All(f => f.Name != file))
        {
            return ApiErrors.NotFound($"adapter '{name}' version {version} has no file '{file}'.");
        }

        var bytes = await store.GetBytesAsync(MeshBuckets.Adapters, manifest.Prefix + file, cancellationToken);
        return bytes is null ? ApiErrors.NotFound($"adapter '{name}' version {version}: '{file}' is missing from storage.")
            : Results.File(bytes, "application/octet-stream", file);
    }
}
