namespace FineTuneMesh.Core.Training;

/// <summary>Linear warm-up, then cosine or linear decay to zero, or a constant rate.</summary>
public static class LearningRateSchedule
{
    public static readonly string[] Names = ["cosine", "linear", "constant"];

    public static double At(string schedule, int step, int totalSteps, double peak, double warmupFraction)
    {
        var warmup = (int)Math.Round(totalSteps * warmupFraction);
        if (step < warmup)
        {
            return peak * (step + 1) / warmup;
        }

        var progress = (double)(step - warmup) / Math.Max(1, totalSteps - warmup);
        return schedule switch
        {
            "cosine" => peak * 0.5 * (1 + Math.Cos(Math.PI * progress)),
            "linear" => peak * (1 - progress),
            "constant" => peak,
            _ => throw new ArgumentException($"unknown schedule '{schedule}'; use {string.Join(", ", Names)}."),
        };
    }
}
