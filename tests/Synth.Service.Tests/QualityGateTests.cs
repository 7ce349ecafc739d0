using FineTuneMesh.Synth.Service.Quality;

namespace FineTuneMesh.Synth.Service.Tests;

public sealed class QualityGateTests
{
    private static readonly Dictionary<string, string>[] _seeds =
    [
        new() { ["question"] = "How do you reverse a string s?", ["answer"] = "Slice it with a step of -1: s[::-1]." },
        new() { ["question"] = "What does enumerate do?", ["answer"] = "It yields (index, item) pairs." },
    ];

    private static QualityGate Gate(int maxFieldChars = 200, int maxExampleChars = 400) =>
        new(new TemplateValidator(TemplateShape.Of(Sample.Template), maxFieldChars, maxExampleChars), _seeds, nearDuplicateThreshold: 0.7);

    private static Dictionary<string, string> Record(string question, string answer) => new() { ["question"] = question, ["answer"] = answer };

    [Theory]
    [InlineData("", "An answer.", RejectionReason.EmptyField)]
    [InlineData("A question?", "   ", RejectionReason.EmptyField)]
    [InlineData("A question?", "Yes.\n### Answer:\nNo.", RejectionReason.TemplateMarkerInValue)]
    [InlineData("A question?", "Yes. ### DONE!", RejectionReason.TemplateMarkerInValue)]
    [InlineData("A question with {answer} in it?", "Yes.", RejectionReason.TemplateMarkerInValue)]
    public void InvalidRecords_AreRejected_WithTheReason(string question, string answer, RejectionReason reason)
    {
        var rejection = Gate().Offer(1, Record(question, answer), 10);

        Assert.Equal(reason, rejection?.Reason);
    }

    [Fact]
    public void MissingField_IsRejected_NamingTheField()
    {
        var rejection = Gate().Offer(1, new Dictionary<string, string> { ["question"] = "Only a question?" }, 10);

        Assert.Equal(RejectionReason.MissingField, rejection?.Reason);
        Assert.Contains("answer", rejection!.Detail);
    }

    [Fact]
    public void LengthLimits_ApplyPerFieldAndToTheWholeExample()
    {
        Assert.Equal(RejectionReason.FieldTooLong, Gate(maxFieldChars: 20).Offer(1, Record("What is a very long question here?", "Short."), 10)?.Reason);
        Assert.Equal(RejectionReason.ExampleTooLong, Gate(maxExampleChars: 60).Offer(1, Record("What is a generator?", "A function that yields values lazily."), 10)?.Reason);
    }

    [Fact]
    public void ExactDuplicates_OfASeed_AreRejected_IgnoringCaseAndPunctuation()
    {
        var rejection = Gate().Offer(1, Record("how do you REVERSE a string s", "Slice it with a step of -1: s[::-1]"), 10);

        Assert.Equal(RejectionReason.ExactDuplicate, rejection?.Reason);
        Assert.Contains("seed 1", rejection!.Detail);
    }

    [Fact]
    public void NearDuplicates_OfAnAcceptedExample_AreRejected()
    {
        var gate = Gate();
        var first = Record("How do you sort a list of dicts by the age key in Python?", "Pass a key function: sorted(people, key=lambda p: p[\"age\"]).");
        var near = Record("How do you sort a list of dicts by the age key?", "Pass a key function: sorted(people, key=lambda p: p[\"age\"]).");

        Assert.Null(gate.Offer(1, first, 10));
        var rejection = gate.Offer(2, near, 10);

        Assert.Equal(RejectionReason.NearDuplicate, rejection?.Reason);
        Assert.Contains("example 1", rejection!.Detail);
    }

    [Fact]
    public void DifferentExamples_AreAccepted_AndSurplusBeyondTheCountIsRejected()
    {
        var gate = Gate();

        Assert.Null(gate.Offer(1, Record("What is a set?", "An unordered collection of unique items."), 1));
        Assert.Equal(RejectionReason.Surplus, gate.Offer(1, Record("What does zip do?", "It pairs items from several iterables."), 1)?.Reason);
        Assert.Single(gate.Accepted);
    }

    [Fact]
    public void Report_ListsAcceptedAndRejectedExamples_WithReasons()
    {
        var gate = Gate();
        gate.Offer(1, Record("What is a set?", "An unordered collection of unique items."), 10);
        gate.Offer(1, Record("What is a set?", "An unordered collection of unique items."), 10);
        gate.Offer(2, Record("", "x"), 10);

        var report = gate.Report("job-1", requested: 10, unreadableReplies: 1);

        Assert.Equal((1, 2, 1), (report.Accepted, report.Rejected, report.UnreadableReplies));
        Assert.Equal(1, report.RejectedByReason[RejectionReason.ExactDuplicate]);
        Assert.Equal(1, report.RejectedByReason[RejectionReason.EmptyField]);
        Assert.Equal([true, false, false], report.Examples.Select(e => e.Accepted));
        Assert.Equal(2, report.Examples[2].Batch);
    }

    [Theory]
    [InlineData("the cat sat on the mat", "the cat sat on the mat", 1.0)]
    [InlineData("a b c d", "e f g h", 0.0)]
    [InlineData("one two three four", "one two three five", 1.0 / 3)]
    public void Jaccard_OfWordShingles(string a, string b, double expected)
    {
        var index = new NearDuplicateIndex(0.7);

        var similarity = NearDuplicateIndex.Jaccard(index.Shingles(TextNormalizer.Normalize(a)), index.Shingles(TextNormalizer.Normalize(b)));

        Assert.Equal(expected, similarity, 3);
    }
}
