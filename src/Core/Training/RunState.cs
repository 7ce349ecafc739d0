using static TorchSharp.torch;

namespace FineTuneMesh.Core.Training;

/// <summary>The mutable bookkeeping of one run: losses, evaluations, the best adapter so far.</summary>
internal sealed class RunState(long seed, int totalSteps)
{
    public int Step { get; set; }
    public List<double> Losses { get; private init; } = [];
    public List<(int Step, double Loss)> EvalLosses { get; private init; } = [];
    public int? BestStep { get; private set; }
    public double? BestEvalLoss { get; private set; }
    public int EvaluationsWithoutImprovement { get; private set; }
    public bool StoppedEarly { get; private set; }
    public Dictionary<string, Tensor>? Best { get; private set; }

    public static RunState Resume((TrainingState State, Dictionary<string, Tensor>? Best) checkpoint, long seed, int totalSteps, string folder)
    {
        var (state, best) = checkpoint;
        if (state.Seed != seed || state.TotalSteps != totalSteps)
        {
            throw new InvalidDataException(
                $"{folder}: the checkpoint is from a run with seed {state.Seed} and {state.TotalSteps} steps, not seed {seed} and {totalSteps}; use a new checkpoint folder.");
        }

        return new RunState(seed, totalSteps)
        {
            Step = state.Step,
            Losses = [.. state.Losses],
            EvalLosses = [.. state.EvalLosses.Select(e => (e.Step, e.Loss))],
            BestStep = state.BestStep,
            BestEvalLoss = state.BestEvalLoss,
            EvaluationsWithoutImprovement = state.EvaluationsWithoutImprovement,
            Best = best,
        };
    }

    public void RecordEvaluation(double loss, List<KeyValuePair<string, TorchSharp.Modules.Parameter>> trainable, int patience)
    {
        EvalLosses.Add((Step, loss));
        if (BestEvalLoss is null || loss < BestEvalLoss)
        {
            (BestEvalLoss, BestStep, EvaluationsWithoutImprovement) = (loss, Step, 0);
            DisposeBest();
            Best = trainable.ToDictionary(p => p.Key, p => p.Value.detach().clone().DetachFromDisposeScope());
            return;
        }

        EvaluationsWithoutImprovement++;
        StoppedEarly = patience > 0 && EvaluationsWithoutImprovement >= patience;
    }

    /// <summary>Puts the best evaluated adapter back, when evaluation chose one.</summary>
    public void RestoreBest(List<KeyValuePair<string, TorchSharp.Modules.Parameter>> trainable)
    {
        if (Best is null)
        {
            return;
        }

        using var noGrad = no_grad();
        foreach (var (name, parameter) in trainable)
        {
            parameter.copy_(Best[name]);
        }
    }

    public TrainingState ToState() => new()
    {
        Step = Step,
        Losses = Losses,
        EvalLosses = [.. EvalLosses.Select(e => new TrainingState.EvalPoint(e.Step, e.Loss))],
        BestStep = BestStep,
        BestEvalLoss = BestEvalLoss,
        EvaluationsWithoutImprovement = EvaluationsWithoutImprovement,
        Seed = seed,
        TotalSteps = totalSteps,
    };

    public TrainingResult ToResult(TimeSpan duration)
    {
        var result = new TrainingResult(Losses, EvalLosses, Step, totalSteps, BestStep, BestEvalLoss, StoppedEarly, duration);
        DisposeBest();
        return result;
    }

    private void DisposeBest()
    {
        foreach (var tensor in Best?.Values.ToList() ?? [])
        {
            tensor.Dispose();
        }

        Best = null;
    }
}
