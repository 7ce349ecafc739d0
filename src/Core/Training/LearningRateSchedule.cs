namespace FineTuneMesh.Core.Training;

/// <summary>Linear warm-up, then cosine decay to zero (the usual LoRA schedule).</summary>
public static class LearningRateSchedule
{
    public static double At(int step, int totalSteps, double peak, double warmupFraction)
    {
        var warmup = (int)Math.Round(totalSteps * warmupFraction);
        if (step < warmup)
        {
            return peak * (step + 1) / warmup;
        }

        var progress = (double)(step - warmup) / Math.Max(1, totalSteps - warmup);
        return peak * 0.5 * (1 + Math.Cos(Math.PI * progress));
    }
}
