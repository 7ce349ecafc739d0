using System.Text.Json;
using FineTuneMesh.Mesh;
using FineTuneMesh.Mesh.Jobs;

namespace FineTuneMesh.Synth.Service.Jobs;

/// <summary>
/// Posts a training job for a finished dataset to the trainer's REST API
/// (<c>POST {Synth:TrainerUrl}/api/train/jobs</c>, <c>http://trainer</c> through service discovery)
/// with the trainer's own contract, <see cref="TrainingJobSpec"/>.
/// It is an ordinary HttpClient call, so the job's trace continues into the trainer.
/// </summary>
public sealed class TrainingHandoffClient(HttpClient http)
{
    public const string Path = "/api/train/jobs";

    /// <summary>The trainer's job id.</summary>
    /// <remarks>
    /// The training job's id is derived from the synthesis job's (<c>synth-{id}</c>): the trainer
    /// treats it as an idempotency key, so a retried POST never trains twice.
    /// </remarks>
    public async Task<string> SubmitAsync(string synthJobId, TrainHandoffRequest train, string datasetKey, string template,
        CancellationToken cancellationToken)
    {
        var spec = new TrainingJobSpec
        {
            Id = TrainingJobIdOf(synthJobId),
            AdapterName = train.AdapterName ?? "",
            BaseModel = train.BaseModel,
            BaseModelRevision = train.BaseModelRevision,
            Dataset = new DatasetSource { Key = datasetKey },
            Template = template,
            Lora = train.Lora ?? new LoraSpec(),
            Training = train.Training ?? new TrainingSpec(),
        };

        using var response = await http.PostAsJsonAsync(Path, spec, MeshJson.Options, cancellationToken);
        var text = await response.Content.ReadAsStringAsync(cancellationToken);
        if (!response.IsSuccessStatusCode)
        {
            throw new HttpRequestException($"the trainer answered HTTP {(int)response.StatusCode}: {(text.Length <= 500 ? text : text[..500])}",
                null, response.StatusCode);
        }

        using var document = JsonDocument.Parse(text);
        foreach (var name in new[] { "id", "jobId" })
        {
            if (document.RootElement.TryGetProperty(name, out var id) && id.ValueKind is JsonValueKind.String or JsonValueKind.Number)
            {
                return id.ToString();
            }
        }

        throw new InvalidDataException($"the trainer's reply has no job id: {text}");
    }

    public static string TrainingJobIdOf(string synthJobId) => $"synth-{synthJobId}";
}
