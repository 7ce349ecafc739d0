namespace FineTuneMesh.Mesh.Sweeps;

/// <summary>
/// The early-stopping rule at one rung: a trial's eval loss against those of every trial that
/// passed the rung before it; it stops when, with at least <see cref="EarlyStoppingSpec.MinTrialsPerRung"/>
/// trials there, it is outside the best <see cref="EarlyStoppingSpec.KeepFraction"/> of them. A loss
/// that is not a number counts as the worst.
/// </summary>
public static class SuccessiveHalving
{
    public static (bool Stop, string? Reason) Decide(EarlyStoppingSpec rules, double rung, double evalLoss, IEnumerable<double> earlier)
    {
        static double Worst(double loss) => double.IsFinite(loss) ? loss : double.MaxValue;
        var all = earlier.Append(evalLoss).Select(Worst).Order().ToList();
        var keep = Math.Max(1, (int)Math.Floor(all.Count * rules.KeepFraction));
        var stop = all.Count >= rules.MinTrialsPerRung && Worst(evalLoss) > all[keep - 1];
        return (stop, stop
            ? $"stopped early at {rung:P0} of its steps: eval loss {evalLoss:F4} is outside the best {keep} of {all.Count} trials there"
            : null);
    }
}
