namespace FineTuneMesh.Cli.Commands;

/// <summary>One line for a training step, the same for a local run and for a job in the mesh.</summary>
public static class TrainingProgressText
{
    public static string Describe(int epoch, int step, int totalSteps, double loss, double? evalLoss, double tokensPerSecond) =>
        $"epoch {epoch} step {step}/{totalSteps} loss {loss:F4}" + (evalLoss is { } e ? $" eval {e:F4}" : "") + $" {tokensPerSecond:F0} tok/s";
}
