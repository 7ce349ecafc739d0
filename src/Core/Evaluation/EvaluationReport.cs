namespace FineTuneMesh.Core.Evaluation;

/// <summary>
/// Adherence counts and fractions over a set of prompts, answer lengths, exact match against the
/// records' own answers (null when no record had one), and every example.
/// </summary>
public sealed record EvaluationReport(
    int Count,
    int Adherent,
    int EarlyStop,
    int RunOn,
    int Malformed,
    double AverageTokens,
    double AverageCharacters,
    int WithExpected,
    int ExactMatches,
    IReadOnlyList<EvaluationExample> Examples)
{
    public double AdherenceRate => Fraction(Adherent, Count);
    public double EarlyStopRate => Fraction(EarlyStop, Count);
    public double RunOnRate => Fraction(RunOn, Count);
    public double MalformedRate => Fraction(Malformed, Count);
    public double? ExactMatchRate => WithExpected == 0 ? null : Fraction(ExactMatches, WithExpected);

    public static EvaluationReport From(IReadOnlyList<EvaluationExample> examples)
    {
        int CountOf(AdherenceClass c) => examples.Count(e => e.Class == c);
        var withExpected = examples.Where(e => e.Expected is not null).ToList();
        return new EvaluationReport(examples.Count, CountOf(AdherenceClass.Adherent), CountOf(AdherenceClass.EarlyStop),
            CountOf(AdherenceClass.RunOn), CountOf(AdherenceClass.Malformed),
            examples.Count == 0 ? 0 : examples.Average(e => e.Tokens),
            examples.Count == 0 ? 0 : examples.Average(e => e.Answer.Length),
            withExpected.Count, withExpected.Count(e => e.ExactMatch == true), examples);
    }

    private static double Fraction(int part, int whole) => whole == 0 ? 0 : (double)part / whole;
}
