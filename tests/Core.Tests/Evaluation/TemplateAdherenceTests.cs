using FineTuneMesh.Core.Evaluation;
using FineTuneMesh.Core.Generation;
using FineTuneMesh.Prompts;

namespace FineTuneMesh.Core.Tests.Evaluation;

public class TemplateAdherenceTests
{
    private const string Done = "### DONE!";

    private static readonly TemplateAdherence _adherence =
        new(PromptTemplate.Parse("### You asked:\n{question}\n\n### The answer is:\n{answer}\n### DONE!"));

    private static GenerationSummary Summary(FinishReason reason, string? matched) =>
        new(reason, PromptTokens: 10, CompletionTokens: 7, TimeSpan.Zero, 0, matched, [1, 2, 3, 4, 5, 6, 7]);

    [Fact]
    public void TheSectionHeadersAreTheTemplatesLiteralLinesBeforeTheAnswer() =>
        Assert.Equal(["### You asked:", "### The answer is:"], _adherence.SectionHeaders);

    [Fact]
    public void AnAnswerEndingAsTheTemplateRequiresAndStoppedOnTheMarkerIsAdherent()
    {
        Assert.Equal(AdherenceClass.Adherent, _adherence.Classify("A key to value map.\n", Summary(FinishReason.Stop, Done)));
        Assert.Equal("A key to value map.", _adherence.Answer("A key to value map.\n"));
    }

    [Theory]
    [InlineData("A key to value map.\n", null)]        // eos before the marker
    [InlineData("A key", "\n\n")]                      // a caller's own stop string
    [InlineData("\n", Done)]                           // the marker straight away: no answer
    [InlineData("", Done)]
    public void StoppingBeforeTheMarkerOrWithoutAnAnswerIsAnEarlyStop(string text, string? matched) =>
        Assert.Equal(AdherenceClass.EarlyStop, _adherence.Classify(text, Summary(FinishReason.Stop, matched)));

    [Fact]
    public void HittingTheTokenLimitWithoutTheMarkerIsARunOn() =>
        Assert.Equal(AdherenceClass.RunOn, _adherence.Classify("A key to value map. And then some more and",
            Summary(FinishReason.Length, null)));

    [Theory]
    [InlineData("A key to value map.", FinishReason.Stop, Done)]                       // no newline before the marker
    [InlineData("A map.\n\n### You asked:\nWhat else?\n", FinishReason.Stop, Done)]   // a new question inside the answer
    [InlineData("A map.\n### The answer is:\nA map.\n", FinishReason.Stop, Done)]
    [InlineData("A map.\n\n### You asked:\nWhat is", FinishReason.Length, null)]       // headers win over run-on
    [InlineData("A map.\n", FinishReason.Cancelled, null)]
    public void AnythingElseIsMalformed(string text, FinishReason reason, string? matched) =>
        Assert.Equal(AdherenceClass.Malformed, _adherence.Classify(text, Summary(reason, matched)));

    [Fact]
    public void ATemplateWithoutAnEndMarkerIsAdherentWhenTheModelStopsOnItsOwn()
    {
        var open = new TemplateAdherence(PromptTemplate.Parse("Q: {question}\nA: {answer}"));

        Assert.Equal(AdherenceClass.Adherent, open.Classify("Paris", FinishReason.Stop, null));
        Assert.Equal(AdherenceClass.EarlyStop, open.Classify(" ", FinishReason.Stop, null));
        Assert.Equal(AdherenceClass.Malformed, open.Classify("Paris\nQ: and Rome?", FinishReason.Stop, null));
    }

    [Fact]
    public void TheReportCountsEachClassAndExactMatchesOnlyWhereAnAnswerWasExpected()
    {
        EvaluationExample Row(AdherenceClass kind, string answer, string? expected) => new(
            new Dictionary<string, string> { ["question"] = "q" }, expected, answer + "\n", answer, kind, FinishReason.Stop,
            Tokens: answer.Length, expected is null ? null : kind == AdherenceClass.Adherent && answer == expected);

        var report = EvaluationReport.From(
        [
            Row(AdherenceClass.Adherent, "abcd", "abcd"),
            Row(AdherenceClass.Adherent, "ab", "xy"),
            Row(AdherenceClass.EarlyStop, "", null),
            Row(AdherenceClass.RunOn, "abcdef", null),
        ]);

        Assert.Equal((4, 2, 1, 1, 0), (report.Count, report.Adherent, report.EarlyStop, report.RunOn, report.Malformed));
        Assert.Equal(0.5, report.AdherenceRate);
        Assert.Equal(0.25, report.RunOnRate);
        Assert.Equal(0.5, report.ExactMatchRate);
        Assert.Equal(3, report.AverageCharacters);
        Assert.Null(EvaluationReport.From([Row(AdherenceClass.RunOn, "a", null)]).ExactMatchRate);
    }
}
