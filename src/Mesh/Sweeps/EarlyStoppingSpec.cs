namespace FineTuneMesh.Mesh.Sweeps;

/// <summary>
/// Successive halving, asynchronous (ASHA), so it works however the queue spreads the trials: when
/// a trial passes a rung (a share of its steps), its eval loss there is compared with every trial
/// that passed the same rung before; outside the best <see cref="KeepFraction"/> of them (once at
/// least <see cref="MinTrialsPerRung"/> have) it is stopped.
/// </summary>
public sealed record EarlyStoppingSpec
{
    public bool Enabled { get; init; } = true;
    public IReadOnlyList<double> Rungs { get; init; } = [1.0 / 3, 2.0 / 3];
    public double KeepFraction { get; init; } = 0.5;
    public int MinTrialsPerRung { get; init; } = 2;

    /// <summary>Every problem with these settings, each naming the field.</summary>
    public IEnumerable<string> Problems()
    {
        if (Rungs is null || Rungs.Any(r => r is <= 0 or >= 1 || double.IsNaN(r)))
        {
            yield return "earlyStopping.rungs must be shares of a trial's steps, each above 0 and below 1.";
        }

        if (KeepFraction is <= 0 or >= 1 || double.IsNaN(KeepFraction))
        {
            yield return $"earlyStopping.keepFraction must be above 0 and below 1, got {KeepFraction}.";
        }

        if (MinTrialsPerRung < 2)
        {
            yield return $"earlyStopping.minTrialsPerRung must be at least 2, got {MinTrialsPerRung}.";
        }
    }
}
