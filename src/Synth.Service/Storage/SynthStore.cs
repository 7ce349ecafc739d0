using System.Text.Json;
using FineTuneMesh.Storage;
using FineTuneMesh.Synth.Service.Jobs;
using FineTuneMesh.Synth.Service.Quality;

namespace FineTuneMesh.Synth.Service.Storage;

/// <summary>
/// Where a job's things live: the record in <c>jobs/synth/{id}.json</c>, the dataset in
/// <c>datasets/synth/{id}.jsonl</c> and the report in <c>datasets/synth/{id}.report.json</c>.
/// </summary>
public sealed class SynthStore(IObjectStore objects)
{
    public const string JobsBucket = MeshBuckets.Jobs;
    public const string DatasetsBucket = MeshBuckets.Datasets;

    public static ArtifactRef DatasetOf(string id) => new(DatasetsBucket, $"synth/{id}.jsonl");

    public static ArtifactRef ReportOf(string id) => new(DatasetsBucket, $"synth/{id}.report.json");

    public static ArtifactRef JobOf(string id) => new(JobsBucket, $"synth/{id}.json");

    public Task SaveJobAsync(SynthJob job, CancellationToken cancellationToken) =>
        PutJsonAsync(JobOf(job.Id), job, cancellationToken);

    public async Task<SynthJob?> GetJobAsync(string id, CancellationToken cancellationToken) =>
        await GetAsync(JobOf(id), cancellationToken) is { } bytes ? JsonSerializer.Deserialize<SynthJob>(bytes, SynthJson.Options) : null;

    public async Task<ArtifactRef> SaveDatasetAsync(string id, byte[] jsonl, CancellationToken cancellationToken)
    {
        var where = DatasetOf(id);
        await objects.PutAsync(where.Bucket, where.Key, jsonl, "application/jsonl", cancellationToken);
        return where;
    }

    public async Task<ArtifactRef> SaveReportAsync(QualityReport report, CancellationToken cancellationToken)
    {
        var where = ReportOf(report.JobId);
        await PutJsonAsync(where, report, cancellationToken);
        return where;
    }

    public Task<byte[]?> GetAsync(ArtifactRef where, CancellationToken cancellationToken) =>
        objects.GetAsync(where.Bucket, where.Key, cancellationToken);

    private Task PutJsonAsync<T>(ArtifactRef where, T value, CancellationToken cancellationToken) =>
        objects.PutAsync(where.Bucket, where.Key, JsonSerializer.SerializeToUtf8Bytes(value, SynthJson.Options), "application/json", cancellationToken);
}
