using System.Text;
using System.Text.Json;
using System.Text.RegularExpressions;
using FineTuneMesh.BaseModels;
using FineTuneMesh.Core.Modeling;
using FineTuneMesh.Core.Training;
using FineTuneMesh.Mesh;
using FineTuneMesh.Mesh.Jobs;
using FineTuneMesh.Prompts;
using FineTuneMesh.ServiceDefaults;
using FineTuneMesh.Storage;
using Microsoft.Extensions.Options;

namespace FineTuneMesh.Trainer.Worker.Jobs;

/// <summary>
/// Everything that can be known about a job before a worker takes it: names, LoRA and training
/// settings, the base model, the template, and whether every dataset record parses and fits the
/// model (read with the base model's own tokenizer). A job that fails here never reaches a worker.
/// </summary>
public sealed partial class JobValidator(BaseModelResolver baseModels, ArtifactStore store, TokenizerCache tokenizers,
    IOptions<TrainerOptions> options)
{
    public const int MaxRank = 256;
    public const int MaxEpochs = 1000;

    public async Task<(ValidatedJob? Job, IReadOnlyList<string> Errors)> ValidateAsync(TrainingJobSpec spec, CancellationToken cancellationToken)
    {
        var errors = new List<string>();
        if (spec.Id is not null && !MeshNames.IsValid(spec.Id))
        {
            errors.Add(MeshNames.Describe("id", spec.Id));
        }

        if (!MeshNames.IsValid(spec.AdapterName))
        {
            errors.Add(MeshNames.Describe("adapterName", spec.AdapterName));
        }

        errors.AddRange(SettingsProblems(spec));

        PromptTemplate? template = null;
        if (spec.Template is not null)
        {
            Check(errors, () => template = PromptTemplate.Parse(spec.Template));
        }

        if (spec.Dataset is null)
        {
            // JSON null gets past the required member: say what is missing, as for an absent one.
            errors.Add("dataset is required: give dataset.key (an uploaded dataset) or dataset.records.");
            return (null, errors);
        }

        var inline = spec.Tasks is null ? DatasetBytes(spec.Dataset, errors) : null;
        var tasks = spec.Tasks is null ? [] : TaskProblems(spec, errors);
        var (baseModel, problem) = await baseModels.ResolveAsync(spec.BaseModel, spec.BaseModelRevision);
        if (baseModel is null)
        {
            errors.Add(problem!);
        }

        if (baseModel is not null && spec.Lora.LayersToTransform is { Count: > 0 } layers)
        {
            CheckLayers(layers, baseModel, errors);
        }

        var records = 0;
        foreach (var task in errors.Count == 0 ? tasks : [])
        {
            var bytes = await store.GetBytesAsync(MeshBuckets.Datasets, task.Dataset.Key!, cancellationToken);
            var taskTemplate = task.Template ?? spec.Template;
            records += bytes is null
                ? Refuse(errors, $"task {task.Name}: dataset s3://{MeshBuckets.Datasets}/{task.Dataset.Key} does not exist.")
                : CheckRecords(bytes, $"task {task.Name}", spec, baseModel!, taskTemplate is null ? null : PromptTemplate.Parse(taskTemplate), errors);
        }

        if (errors.Count == 0 && spec.Tasks is null)
        {
            var bytes = inline ?? await store.GetBytesAsync(MeshBuckets.Datasets, spec.Dataset.Key!, cancellationToken);
            if (bytes is null)
            {
                errors.Add($"dataset s3://{MeshBuckets.Datasets}/{spec.Dataset.Key} does not exist; upload it with PUT /api/train/datasets/{{name}} first.");
            }
            else
            {
                records = CheckRecords(bytes, "dataset", spec, baseModel!, template, errors);
            }
        }

        if (errors.Count == 0 && spec.Evaluation?.DatasetKey is { } evalKey)
        {
            var bytes = IsValidDatasetKey(evalKey) ? await store.GetBytesAsync(MeshBuckets.Datasets, evalKey, cancellationToken) : null;
            if (bytes is null)
            {
                errors.Add($"evaluation.datasetKey '{evalKey}' is not a dataset in the datasets bucket.");
            }
            else
            {
                CheckRecords(bytes, $"evaluation dataset {evalKey}", spec, baseModel!, template, errors);
            }
        }

        return errors.Count == 0 ? (new ValidatedJob(spec, baseModel!, inline, records), errors) : (null, errors);
    }

    /// <summary>The tasks of a multi-task job, each checked for a name, a stored dataset, a template that parses and a weight.</summary>
    private static IReadOnlyList<TaskSpec> TaskProblems(TrainingJobSpec spec, List<string> errors)
    {
        if (spec.Dataset is { Key: not null } or { Records: not null })
        {
            errors.Add("give either dataset or tasks, not both: a multi-task job names each task's dataset.");
        }

        if (spec.Tasks!.Count is 0 or > 16)
        {
            errors.Add($"tasks must hold 1 to 16 tasks, got {spec.Tasks.Count}.");
        }

        if (spec.Tasks.Any(t => t is null))
        {
            errors.Add("tasks may not contain null: each task is {\"name\", \"dataset\": {\"key\"}, \"template\"?, \"weight\"?}.");
        }

        if (spec.Evaluation?.DatasetKey is not null)
        {
            errors.Add("evaluation.datasetKey cannot be used with tasks: each task is evaluated on its own held-out split.");
        }

        foreach (var task in spec.Tasks.Where(t => t is not null))
        {
            if (!MeshNames.IsValid(task.Name))
            {
                errors.Add(MeshNames.Describe("task name", task.Name));
            }

            if (task.Dataset?.Key is not { } key || !IsValidDatasetKey(key) || task.Dataset.Records is not null)
            {
                errors.Add($"task {task.Name}: dataset must be {{\"key\": ...}}, a stored dataset (save one with POST /api/train/datasets/{{name}}/versions).");
            }

            if (task.Weight is <= 0 or > TaskSpec.MaxWeight || double.IsNaN(task.Weight))
            {
                errors.Add($"task {task.Name}: weight must be above 0 and at most {TaskSpec.MaxWeight}, got {task.Weight}.");
            }

            if (task.Template is { } text)
            {
                try
                {
                    PromptTemplate.Parse(text);
                }
                catch (Exception e) when (e is ArgumentException or FormatException)
                {
                    errors.Add($"task {task.Name}: {e.Message}");
                }
            }
        }

        foreach (var duplicate in spec.Tasks.Where(t => t is not null).GroupBy(t => t.Name).Where(g => g.Count() > 1))
        {
            errors.Add($"task name '{duplicate.Key}' is used {duplicate.Count()} times; each task needs its own.");
        }

        return spec.Tasks.Any(t => t is null) ? [] : spec.Tasks;
    }

    private static int Refuse(List<string> errors, string error)
    {
        errors.Add(error);
        return 0;
    }

    /// <summary>What can be wrong with a job's LoRA, training and evaluation settings alone (no model, no data needed).</summary>
    public IReadOnlyList<string> SettingsProblems(TrainingJobSpec spec)
    {
        var errors = new List<string>();
        Check(errors, () => spec.Lora.ToSettings().Validate());
        if (spec.Lora.Rank > MaxRank)
        {
            errors.Add($"LoRA rank {spec.Lora.Rank} is above the limit of {MaxRank}.");
        }

        Check(errors, () => spec.Training.ToOptions().Validate());
        if (spec.Training.Epochs > MaxEpochs)
        {
            errors.Add($"epochs {spec.Training.Epochs} is above the limit of {MaxEpochs}.");
        }

        if (spec.Training.DType is { } dtype && dtype.ToLowerInvariant() is not ("auto" or "fp32" or "bf16" or "fp16" or "q8_0"))
        {
            errors.Add($"training.dtype '{dtype}' is not a compute dtype; use auto (the default: chosen for the trainer's CPU), fp32, bf16, fp16 or q8_0 (which trains as auto).");
        }

        errors.AddRange((spec.Evaluation ?? new EvaluationSpec()).Problems());
        if (spec.Training.EvalFraction is < 0 or > 0.5)
        {
            errors.Add($"evalFraction must be in [0, 0.5], got {spec.Training.EvalFraction}.");
        }

        return errors;
    }

    /// <summary>A dataset key: path segments of safe characters, no '..', ending in .jsonl.</summary>
    public static bool IsValidDatasetKey(string? key) => key is not null && DatasetKeyPattern().IsMatch(key) && !key.Contains("..", StringComparison.Ordinal);

    private byte[]? DatasetBytes(DatasetSource dataset, List<string> errors)
    {
        if ((dataset.Key is null) == (dataset.Records is null))
        {
            errors.Add("dataset needs exactly one of \"key\" (an object in the datasets bucket) or \"records\" (inline JSON records).");
            return null;
        }

        if (dataset.Key is not null)
        {
            if (!IsValidDatasetKey(dataset.Key))
            {
                errors.Add($"dataset key '{dataset.Key}' must be letters, digits, '-', '_', '.' and '/' segments ending in .jsonl, without '..'.");
            }

            return null;
        }

        if (dataset.Records!.Count == 0 || dataset.Records.Count > options.Value.MaxDatasetRecords)
        {
            errors.Add($"dataset.records must hold 1 to {options.Value.MaxDatasetRecords} records, got {dataset.Records.Count}.");
            return null;
        }

        var jsonl = new StringBuilder();
        foreach (var record in dataset.Records)
        {
            jsonl.Append(JsonSerializer.Serialize(record, MeshJson.Options)).Append('\n');
        }

        return Encoding.UTF8.GetBytes(jsonl.ToString());
    }

    /// <summary>How many records the dataset has, each read with the model's tokenizer; 0 with the reasons added when it cannot be read.</summary>
    private int CheckRecords(byte[] bytes, string label, TrainingJobSpec spec, BaseModel baseModel, PromptTemplate? template, List<string> errors)
    {
        var path = Path.Combine(Path.GetTempPath(), $"finetunemesh-validate-{Guid.NewGuid():N}.jsonl");
        try
        {
            File.WriteAllBytes(path, bytes);
            var tokenizer = tokenizers.For(baseModel.Folder);
            var examples = DatasetReader.Read(path, tokenizer, spec.Training.MaxSequenceLength, template);
            if (examples.Count == 0)
            {
                errors.Add($"{label}: the dataset has no records.");
            }
            else if (examples.Count > options.Value.MaxDatasetRecords)
            {
                errors.Add($"{label}: the dataset has {examples.Count} records, above the limit of {options.Value.MaxDatasetRecords}.");
            }

            return examples.Count;
        }
        catch (Exception e) when (e is InvalidDataException or ArgumentException or JsonException or FormatException)
        {
            // The reader names the file and line; the file is our temp copy, so name the dataset instead.
            errors.Add($"{label}: " + e.Message.Replace(path, label == "dataset" ? spec.Dataset.Key ?? "records" : label, StringComparison.Ordinal));
            return 0;
        }
        finally
        {
            File.Delete(path);
        }
    }

    /// <summary>layers_to_transform may only name the base model's layers: refused here, not after the job reached a worker.</summary>
    private static void CheckLayers(IReadOnlyList<int> layers, BaseModel baseModel, List<string> errors)
    {
        int count;
        try
        {
            count = ModelConfig.Load(Path.Combine(baseModel.Folder, "config.json")).NumHiddenLayers;
        }
        catch (Exception e) when (e is InvalidDataException or IOException or NotSupportedException)
        {
            errors.Add($"base model {baseModel.Name}: {ServerPaths.Redact(e.Message)}");
            return;
        }

        var outside = layers.Where(layer => layer >= count).Order().ToList();
        if (outside.Count > 0)
        {
            errors.Add($"lora.layersToTransform names layer{(outside.Count == 1 ? "" : "s")} {string.Join(", ", outside)}, "
                + $"but {baseModel.Name} has {count} decoder layers (0-{count - 1}).");
        }
    }

    private static void Check(List<string> errors, Action validate)
    {
        try
        {
            validate();
        }
        catch (Exception e) when (e is ArgumentException or FormatException or InvalidDataException)
        {
            errors.Add(e.Message);
        }
    }

    [GeneratedRegex("^[A-Za-z0-9][A-Za-z0-9_.-]*(/[A-Za-z0-9][A-Za-z0-9_.-]*)*\\.jsonl$")]
    private static partial Regex DatasetKeyPattern();
}
