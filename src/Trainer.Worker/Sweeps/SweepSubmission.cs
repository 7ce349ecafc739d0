using System.Diagnostics;
using System.Text.Json;
using FineTuneMesh.Core.Training;
using FineTuneMesh.Mesh;
using FineTuneMesh.Mesh.Jobs;
using FineTuneMesh.Mesh.Sweeps;
using FineTuneMesh.Storage;
using FineTuneMesh.Trainer.Worker.Jobs;
using Microsoft.Extensions.Options;

namespace FineTuneMesh.Trainer.Worker.Sweeps;

/// <summary>
/// Accepts a sweep: plans its trials, validates the base job and every trial's settings (nothing is
/// queued unless all pass), stores the record, then queues each trial as an ordinary training job
/// (id <c>{sweep}-t{n}</c>), so trials spread over every worker and survive a killed one. The sweep
/// id is the idempotency key: submitting it again queues whatever trial is missing and trains nothing twice.
/// </summary>
public sealed class SweepSubmission(JobValidator validator, JobSubmission jobs, JobStore jobRecords, SweepStore sweeps,
    IOptions<TrainerOptions> options)
{
    /// <summary>Sweep ids leave room for the trial suffix within a job id's 64 characters.</summary>
    public const int MaxIdLength = 56;

    public async Task<SweepSubmissionResult> SubmitAsync(SweepSpec spec, CancellationToken cancellationToken)
    {
        var id = spec.Id ?? "sweep-" + Guid.NewGuid().ToString("N")[..16];
        if (!MeshNames.IsValid(id) || id.Length > MaxIdLength)
        {
            return Invalid($"sweep id '{id}' must be 1-{MaxIdLength} letters, digits, '-' or '_'.");
        }

        spec = spec with { Id = id, Job = spec.Job ?? new TrainingJobSpec() };
        if (await sweeps.GetAsync(id, cancellationToken) is { } existing)
        {
            if (JsonSerializer.Serialize(existing.Spec, MeshJson.Options) != JsonSerializer.Serialize(spec, MeshJson.Options))
            {
                return new SweepSubmissionResult(existing, false, [], $"sweep '{id}' already exists with different settings; use a new id.");
            }

            await QueueMissingAsync(existing, cancellationToken);
            return new SweepSubmissionResult(existing, false, [], null);
        }

        var (trials, errors) = await PlanAsync(spec, id, cancellationToken);
        if (errors.Count > 0)
        {
            return Invalid([.. errors]);
        }

        var record = new SweepRecord
        {
            Id = id,
            Spec = spec,
            Trials = trials,
            CreatedAt = DateTimeOffset.UtcNow,
            TraceId = Activity.Current?.TraceId.ToString(),
        };
        await sweeps.SaveAsync(record, cancellationToken);
        await QueueMissingAsync(record, cancellationToken);
        return new SweepSubmissionResult(record, true, [], null);
    }

    /// <summary>The trials with their jobs' settings checked, or every reason the sweep is refused.</summary>
    private async Task<(IReadOnlyList<SweepTrial> Trials, List<string> Errors)> PlanAsync(SweepSpec spec, string id, CancellationToken cancellationToken)
    {
        var (settings, planErrors) = SweepPlanner.Plan(spec, options.Value.MaxSweepTrials);
        var errors = planErrors.ToList();
        if (string.IsNullOrEmpty(spec.Job.Template))
        {
            errors.Add("job.template is required: trials are scored by held-out template adherence.");
        }

        if (spec.Job.Id is not null)
        {
            errors.Add("job.id must be left out: each trial's job gets the id {sweep}-t{n}.");
        }

        errors.AddRange(spec.EarlyStopping.Problems());
        if (errors.Count > 0)
        {
            return ([], errors);
        }

        // The base job once in full (model, template, every record), then each trial's own settings.
        var (validated, jobErrors) = await validator.ValidateAsync(spec.Job with { Id = SweepPlanner.TrialJobId(id, 0) }, cancellationToken);
        if (validated is null)
        {
            return ([], [.. jobErrors.Select(e => "job: " + e)]);
        }

        var training = spec.Job.Training;
        var heldOut = spec.Job.Evaluation?.DatasetKey is null
            ? TrainingPlan.HeldOutIndices(validated.Records, training.EvalFraction, training.Seed).Count
            : 0;
        if (spec.Job.Evaluation?.DatasetKey is null && heldOut == 0)
        {
            errors.Add($"the held-out split is empty ({validated.Records} records, evalFraction {training.EvalFraction}): a sweep needs held-out records " +
                "to score its trials; use at least 5 records and an evalFraction above 0, or evaluation.datasetKey.");
        }

        if (validated.Records - heldOut < 1)
        {
            errors.Add($"the held-out split leaves no training data ({validated.Records} records, {heldOut} held out).");
        }

        var trials = new List<SweepTrial>();
        for (var i = 0; i < settings.Count; i++)
        {
            var stepsPerEpoch = (int)Math.Ceiling((double)(validated.Records - heldOut) / training.BatchSize / Math.Max(1, training.GradientAccumulation));
            var totalSteps = Math.Max(1, stepsPerEpoch * (settings[i].Epochs ?? training.Epochs));
            var trial = new SweepTrial { Index = i, JobId = SweepPlanner.TrialJobId(id, i), Settings = settings[i],
                EvalEverySteps = EvalEvery(totalSteps, spec.EarlyStopping) };
            errors.AddRange(validator.SettingsProblems(SweepPlanner.JobFor(spec, id, trial)).Select(e => $"trial {i} ({Describe(settings[i])}): {e}"));
            trials.Add(trial);
        }

        return (trials, errors);
    }

    /// <summary>Queues every trial that has no job record yet (all of them on a first submission).</summary>
    private async Task QueueMissingAsync(SweepRecord record, CancellationToken cancellationToken)
    {
        foreach (var trial in record.Trials)
        {
            if (await jobRecords.GetAsync(trial.JobId, cancellationToken) is not null)
            {
                continue;
            }

            var result = await jobs.SubmitAsync(SweepPlanner.JobFor(record.Spec, record.Id, trial), cancellationToken);
            if (result.Record is null)
            {
                // Validated moments ago: only a dataset removed in between gets here.
                throw new InvalidDataException($"trial {trial.Index} was refused: {string.Join("; ", result.Errors)}");
            }
        }
    }

    /// <summary>Evaluate often enough that every early-stopping rung has a fresh eval loss.</summary>
    private static int EvalEvery(int totalSteps, EarlyStoppingSpec earlyStopping) =>
        earlyStopping.Enabled ? Math.Max(1, totalSteps / 6) : 0;

    private static string Describe(TrialSettings settings) => JsonSerializer.Serialize(settings, MeshJson.Options);

    private static SweepSubmissionResult Invalid(params IReadOnlyList<string> errors) => new(null, false, errors, null);
}
