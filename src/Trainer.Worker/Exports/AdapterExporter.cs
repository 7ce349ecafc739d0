using System.IO.Compression;
using FineTuneMesh.BaseModels;
using FineTuneMesh.Core.Export;
using FineTuneMesh.Core.Lora;
using FineTuneMesh.Mesh.Adapters;
using FineTuneMesh.Storage;
using Microsoft.Extensions.Options;

namespace FineTuneMesh.Trainer.Worker.Exports;

/// <summary>
/// Exports an adapter version as a merged model (zipped Hugging Face folder) or as GGUF, into the
/// version's <c>exports/</c> folder in the adapters bucket. A version never changes, so an export
/// made once is answered from storage after that. One export runs at a time in a process: each
/// loads the whole base model.
/// </summary>
public sealed class AdapterExporter(ArtifactStore store, AdapterCatalog catalog, BaseModelResolver baseModels, IOptions<TrainerOptions> options)
{
    private readonly SemaphoreSlim _oneAtATime = new(1, 1);

    public static string KeyOf(AdapterManifest manifest, string file) => $"{manifest.Prefix}exports/{file}";

    public async Task<ExportResult> ExportAsync(AdapterManifest manifest, string format, CancellationToken cancellationToken)
    {
        var file = ExportFormat.FileOf(format) ?? throw new ArgumentException($"unknown export format '{format}'.");
        await _oneAtATime.WaitAsync(cancellationToken);
        try
        {
            var stored = await store.GetBytesAsync(MeshBuckets.Adapters, KeyOf(manifest, file) + ".json", cancellationToken) is { } described
                ? Mesh.MeshJson.Deserialize<ExportResult>(described)
                : null;
            return stored ?? await CreateAsync(manifest, format, file, cancellationToken);
        }
        finally
        {
            _oneAtATime.Release();
        }
    }

    private async Task<ExportResult> CreateAsync(AdapterManifest manifest, string format, string file, CancellationToken cancellationToken)
    {
        var (baseModel, problem) = await baseModels.ResolveAsync(manifest.BaseModel, manifest.BaseModelRevision);
        if (baseModel is null)
        {
            throw new InvalidOperationException($"the base model of {manifest.Name} v{manifest.Version} is not available here: {problem}");
        }

        var work = Path.Combine(options.Value.WorkDirectory is { Length: > 0 } root ? root : Path.GetTempPath(),
            "finetunemesh-exports", $"{manifest.Name}-v{manifest.Version}-{format}-{Guid.NewGuid():N}");
        try
        {
            var adapter = Path.Combine(work, "adapter");
            await catalog.DownloadAsync(manifest, adapter, cancellationToken);
            var merged = Path.Combine(work, "merged");
            var output = Path.Combine(work, file);
            await Task.Run(() =>
            {
                MergedModelWriter.Write(baseModel.Folder, adapter, merged);
                if (format == ExportFormat.Gguf)
                {
                    GgufExporter.Export(merged, output, GgufTensorType.F16);
                }
                else
                {
                    // safetensors barely compress; the zip is for one download, not for size.
                    ZipFile.CreateFromDirectory(merged, output, CompressionLevel.NoCompression, includeBaseDirectory: false);
                }
            }, cancellationToken);

            var key = KeyOf(manifest, file);
            var put = await store.PutFileAsync(MeshBuckets.Adapters, key, output, cancellationToken);
            var result = new ExportResult(format, file, put.Size, put.Sha256,
                $"/api/train/adapters/{manifest.Name}/versions/{manifest.Version}/exports/{file}");
            await store.PutJsonAsync(MeshBuckets.Adapters, key + ".json", result, cancellationToken);
            return result;
        }
        finally
        {
            if (Directory.Exists(work))
            {
                Directory.Delete(work, recursive: true);
            }
        }
    }
}
