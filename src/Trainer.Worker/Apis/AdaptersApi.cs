using FineTuneMesh.Mesh.Adapters;
using FineTuneMesh.Mesh.Jobs;
using FineTuneMesh.Storage;
using FineTuneMesh.Trainer.Worker.Exports;

namespace FineTuneMesh.Trainer.Worker.Apis;

/// <summary>
/// <c>/api/train/adapters</c>: every adapter's newest manifest, one adapter's versions, a version's
/// manifest, its files (the PEFT adapter, metrics.json, loss.svg, evaluation.json) for download,
/// its exports (a merged model, GGUF), made on request and kept, and its aliases
/// (<c>support-bot:production</c> → v3), moved to promote or roll back without a restart.
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
        api.MapGet("/adapters/{name}/aliases", ListAliasesAsync).WithName("ListAdapterAliases");
        api.MapPut("/adapters/{name}/aliases/{alias}", SetAliasAsync).WithName("SetAdapterAlias");
        api.MapDelete("/adapters/{name}/aliases/{alias}", DeleteAliasAsync).WithName("DeleteAdapterAlias");
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

    private static async Task<IResult> ListAliasesAsync(string name, AdapterCatalog catalog, CancellationToken cancellationToken) =>
        !MeshNames.IsValid(name) ? ApiErrors.BadRequest(MeshNames.Describe("adapter name", name))
        : Results.Ok(new { aliases = await catalog.AliasesAsync(name, cancellationToken) });

    private static async Task<IResult> SetAliasAsync(string name, string alias, AliasRequest? request, AdapterCatalog catalog,
        CancellationToken cancellationToken)
    {
        var errors = new List<string>();
        if (!MeshNames.IsValid(name))
        {
            errors.Add(MeshNames.Describe("adapter name", name));
        }

        if (!AdapterReference.IsValidAlias(alias))
        {
            errors.Add(AdapterReference.DescribeAlias(alias));
        }

        if (request?.Version is not > 0)
        {
            errors.Add("the body must be {\"version\": N}, the version the alias points at (a whole number from 1).");
        }

        if (errors.Count > 0)
        {
            return ApiErrors.BadRequest(errors);
        }

        return await catalog.SetAliasAsync(name, alias, request!.Version!.Value, cancellationToken) is { } moved
            ? Results.Ok(moved)
            : ApiErrors.NotFound($"adapter '{name}' has no version {request.Version}; the alias '{alias}' was not moved.");
    }

    private static async Task<IResult> DeleteAliasAsync(string name, string alias, AdapterCatalog catalog, CancellationToken cancellationToken)
    {
        if (!MeshNames.IsValid(name) || !AdapterReference.IsValidAlias(alias))
        {
            return ApiErrors.BadRequest(MeshNames.IsValid(name) ? AdapterReference.DescribeAlias(alias) : MeshNames.Describe("adapter name", name));
        }

        if (await catalog.GetAliasAsync(name, alias, cancellationToken) is null)
        {
            return ApiErrors.NotFound($"adapter '{name}' has no alias '{alias}'.");
        }

        await catalog.DeleteAliasAsync(name, alias, cancellationToken);
        return Results.NoContent();
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
