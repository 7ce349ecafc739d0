using System.Globalization;
using System.Text.Json;
using FineTuneMesh.Mesh.Jobs;
using FineTuneMesh.Training.V1;
using Grpc.Core;

namespace FineTuneMesh.Trainer.Worker.Grpc;

/// <summary>The training proto's messages to the mesh's job contracts and back; fields left unset keep the REST API's defaults.</summary>
public static class JobMessages
{
    public static TrainingJobSpec ToSpec(SubmitJobRequest request)
    {
        var defaults = new TrainingJobSpec();
        var lora = request.Lora ?? new LoraSettings();
        var training = request.Training ?? new TrainingSettings();
        var evaluation = request.Evaluation ?? new EvaluationSettings();
        return new TrainingJobSpec
        {
            Id = Empty(request.Id),
            AdapterName = request.AdapterName,
            BaseModel = Empty(request.BaseModel),
            Dataset = request.DatasetCase switch
            {
                SubmitJobRequest.DatasetOneofCase.DatasetKey => new DatasetSource { Key = request.DatasetKey },
                SubmitJobRequest.DatasetOneofCase.RecordsJsonl => new DatasetSource { Records = Records(request.RecordsJsonl) },
                _ => new DatasetSource(),
            },
            Template = Empty(request.Template),
            Lora = defaults.Lora with
            {
                Rank = lora.HasRank ? lora.Rank : defaults.Lora.Rank,
                Alpha = lora.HasAlpha ? lora.Alpha : defaults.Lora.Alpha,
                Targets = lora.Targets.Count > 0 ? [.. lora.Targets] : defaults.Lora.Targets,
            },
            Training = defaults.Training with
            {
                LearningRate = training.HasLearningRate ? training.LearningRate : defaults.Training.LearningRate,
                Epochs = training.HasEpochs ? training.Epochs : defaults.Training.Epochs,
                BatchSize = training.HasBatchSize ? training.BatchSize : defaults.Training.BatchSize,
                MaxSequenceLength = training.HasMaxSequenceLength ? training.MaxSequenceLength : defaults.Training.MaxSequenceLength,
                EvalFraction = training.HasEvalFraction ? training.EvalFraction : defaults.Training.EvalFraction,
                Seed = training.HasSeed ? training.Seed : defaults.Training.Seed,
                DType = Empty(training.Dtype),
            },
            Evaluation = defaults.Evaluation with
            {
                MaxTokens = evaluation.HasMaxTokens ? evaluation.MaxTokens : defaults.Evaluation.MaxTokens,
                MaxExamples = evaluation.HasMaxExamples ? evaluation.MaxExamples : defaults.Evaluation.MaxExamples,
            },
        };
    }

    public static Job ToMessage(JobRecord record)
    {
        var job = new Job
        {
            Id = record.Id,
            AdapterName = record.Spec.AdapterName,
            Status = JobEvent.StatusKind(record.Status),
            Error = record.Error ?? "",
            Attempts = record.Attempts,
            Worker = record.Worker ?? "",
            BaseModelUsed = record.BaseModelUsed ?? "",
            CreatedAt = record.CreatedAt.ToString("O", CultureInfo.InvariantCulture),
            FinishedAt = record.FinishedAt?.ToString("O", CultureInfo.InvariantCulture) ?? "",
        };
        if (record.ResumedFromStep is { } resumed)
        {
            job.ResumedFromStep = resumed;
        }

        if (record.Progress is { } p)
        {
            job.Progress = new Progress
            {
                Step = p.Step, TotalSteps = p.TotalSteps, Epoch = p.Epoch, Loss = p.Loss, TokensPerSecond = p.TokensPerSecond,
                EtaSeconds = p.EtaSeconds, Phase = p.Phase,
            };
            if (p.EvalLoss is { } evalLoss)
            {
                job.Progress.EvalLoss = evalLoss;
            }
        }

        if (record.Adapter is { } adapter)
        {
            job.Adapter = new AdapterVersion { Name = adapter.Name, Version = adapter.Version, WeightsSha256 = adapter.WeightsSha256 };
        }

        return job;
    }

    private static string? Empty(string value) => string.IsNullOrEmpty(value) ? null : value;

    /// <summary>Each non-blank line as JSON, or INVALID_ARGUMENT naming the line that is not.</summary>
    private static IReadOnlyList<JsonElement> Records(string jsonl)
    {
        var records = new List<JsonElement>();
        var lines = jsonl.Split('\n');
        for (var i = 0; i < lines.Length; i++)
        {
            if (string.IsNullOrWhiteSpace(lines[i]))
            {
                continue;
            }

            try
            {
                using var document = JsonDocument.Parse(lines[i]);
                records.Add(document.RootElement.Clone());
            }
            catch (JsonException e)
            {
                throw new RpcException(new Status(StatusCode.InvalidArgument, $"records_jsonl line {i + 1} is not JSON: {e.Message}"));
            }
        }

        return records;
    }
}
