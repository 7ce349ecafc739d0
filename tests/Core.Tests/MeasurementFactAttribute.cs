namespace FineTuneMesh.Core.Tests;

/// <summary>
/// A measurement, not a check: skipped unless <c>FTM_MEASURE=1</c>, because it is slow and its
/// numbers are read by a person (run with <c>--logger "console;verbosity=detailed"</c>).
/// </summary>
public sealed class MeasurementFactAttribute : FactAttribute
{
    public const string Variable = "FTM_MEASURE";

    public MeasurementFactAttribute()
    {
        if (Environment.GetEnvironmentVariable(Variable) != "1")
        {
            Skip = $"measurement; set {Variable}=1 to run";
        }
    }
}
