namespace FineTuneMesh.Mesh.Adapters;

/// <summary>
/// The held-out evaluation of an adapter version: how many answers followed the template
/// (adherent), stopped early, ran on to the token limit or were malformed, exact matches against
/// the records' own answers, and the average answer length. evaluation.json beside the manifest
/// has every example with its generated text.
/// </summary>
public sealed record EvaluationSummary(
    int Count,
    int Adherent,
    int EarlyStop,
    int RunOn,
    int Malformed,
    int WithExpected,
    int ExactMatches,
    double AverageTokens,
    double AverageCharacters)
{
    public double AdherenceRate => Share(Adherent);
    public double EarlyStopRate => Share(EarlyStop);
    public double RunOnRate => Share(RunOn);
    public double MalformedRate => Share(Malformed);
    public double? ExactMatchRate => WithExpected == 0 ? null : (double)ExactMatches / WithExpected;

    private double Share(int part) => Count == 0 ? 0 : (double)part / Count;
}
