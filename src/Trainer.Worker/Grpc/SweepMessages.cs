using FineTuneMesh.Mesh.Jobs;
using FineTuneMesh.Mesh.Sweeps;
using FineTuneMesh.Training.V1;
using TrialSettingsMessage = FineTuneMesh.Training.V1.TrialSettings;

namespace FineTuneMesh.Trainer.Worker.Grpc;

/// <summary>The training proto's sweep messages to the mesh's sweep contracts and back.</summary>
public static class SweepMessages
{
    public static SweepSpec ToSpec(SubmitSweepRequest request)
    {
        var defaults = new SweepSpec();
        var space = request.Space ?? new SearchSpace();
        var stopping = request.EarlyStopping ?? new EarlyStopping();
        var job = JobMessages.ToSpec(request.Job ?? new SubmitJobRequest());
        return new SweepSpec
        {
            Id = string.IsNullOrEmpty(request.Id) ? null : request.Id,
            Job = job,
            Space = new SweepSpace
            {
                LearningRate = Dimension(space.LearningRate),
                Epochs = Dimension(space.Epochs),
                Rank = Dimension(space.Rank),
                Alpha = Dimension(space.Alpha),
                MaxSequenceLength = Dimension(space.MaxSequenceLength),
                MaxTokens = Dimension(space.MaxTokens),
                Temperature = Dimension(space.Temperature),
                Targets = space.Targets.Count == 0 ? null : [.. space.Targets.Select(t => (IReadOnlyList<string>)[.. t.Values])],
                StopStrings = space.StopStrings.Count == 0 ? null : [.. space.StopStrings.Select(t => (IReadOnlyList<string>)[.. t.Values])],
            },
            Sampling = string.IsNullOrEmpty(request.Sampling) ? defaults.Sampling : request.Sampling,
            MaxTrials = request.HasMaxTrials ? request.MaxTrials : null,
            Seed = request.HasSeed ? request.Seed : defaults.Seed,
            EarlyStopping = defaults.EarlyStopping with
            {
                Enabled = stopping.HasEnabled ? stopping.Enabled : defaults.EarlyStopping.Enabled,
                Rungs = stopping.Rungs.Count > 0 ? [.. stopping.Rungs] : defaults.EarlyStopping.Rungs,
                KeepFraction = stopping.HasKeepFraction ? stopping.KeepFraction : defaults.EarlyStopping.KeepFraction,
                MinTrialsPerRung = stopping.HasMinTrialsPerRung ? stopping.MinTrialsPerRung : defaults.EarlyStopping.MinTrialsPerRung,
            },
        };
    }

    public static Sweep ToMessage(SweepView view)
    {
        var sweep = new Sweep
        {
            Id = view.Id,
            Status = JobEvent.StatusKind(view.Status),
            Ranking = view.Ranking,
            Trials = view.Trials,
            Finished = view.Finished,
            CancelRequested = view.CancelRequested,
        };
        sweep.Leaderboard.AddRange(view.Leaderboard.Select(Standing));
        return sweep;
    }

    private static Standing Standing(SweepStanding s)
    {
        var standing = new Standing
        {
            Rank = s.Rank,
            Index = s.Index,
            JobId = s.JobId,
            Status = JobEvent.StatusKind(s.Status),
            Settings = Settings(s.Settings),
            Note = s.Note ?? "",
        };
        if (s.Adapter is { } adapter)
        {
            standing.Adapter = new AdapterVersion { Name = adapter.Name, Version = adapter.Version, WeightsSha256 = adapter.WeightsSha256 };
        }

        if (s.Progress is { } p)
        {
            standing.Progress = new Progress
            {
                Step = p.Step, TotalSteps = p.TotalSteps, Epoch = p.Epoch, Loss = p.Loss, TokensPerSecond = p.TokensPerSecond,
                EtaSeconds = p.EtaSeconds, Phase = p.Phase,
            };
        }

        if (s.AdherenceRate is { } adherence)
        {
            standing.AdherenceRate = adherence;
        }

        if (s.EvalLoss is { } evalLoss)
        {
            standing.EvalLoss = evalLoss;
        }

        if (s.ExactMatchRate is { } exact)
        {
            standing.ExactMatchRate = exact;
        }

        if (s.DurationSeconds is { } duration)
        {
            standing.DurationSeconds = duration;
        }

        if (s.StoppedAtRung is { } rung)
        {
            standing.StoppedAtRung = rung;
        }

        return standing;
    }

    private static TrialSettingsMessage Settings(Mesh.Sweeps.TrialSettings settings)
    {
        var message = new TrialSettingsMessage();
        if (settings.LearningRate is { } lr)
        {
            message.LearningRate = lr;
        }

        if (settings.Epochs is { } epochs)
        {
            message.Epochs = epochs;
        }

        if (settings.Rank is { } rank)
        {
            message.Rank = rank;
        }

        if (settings.Alpha is { } alpha)
        {
            message.Alpha = alpha;
        }

        if (settings.MaxSequenceLength is { } length)
        {
            message.MaxSequenceLength = length;
        }

        if (settings.MaxTokens is { } tokens)
        {
            message.MaxTokens = tokens;
        }

        if (settings.Temperature is { } temperature)
        {
            message.Temperature = temperature;
        }

        message.Targets.AddRange(settings.Targets ?? []);
        message.StopStrings.AddRange(settings.StopStrings ?? []);
        return message;
    }

    private static SweepDimension? Dimension(Training.V1.Dimension? dimension) => dimension is null ? null : new SweepDimension
    {
        Values = dimension.Values.Count > 0 ? [.. dimension.Values] : null,
        Min = dimension.HasMin ? dimension.Min : null,
        Max = dimension.HasMax ? dimension.Max : null,
        Steps = dimension.HasSteps ? dimension.Steps : null,
        Log = dimension.Log,
    };
}
