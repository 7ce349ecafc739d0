namespace FineTuneMesh.Synth.Service.Quality;

/// <summary>
/// Every generated example passes here: template validation, then duplicates against the seeds and
/// everything accepted before. Keeps the report entries.
/// </summary>
public sealed class QualityGate
{
    private readonly TemplateValidator _validator;
    private readonly NearDuplicateIndex _index;
    private readonly List<ReportEntry> _entries = [];
    private readonly List<IReadOnlyDictionary<string, string>> _accepted = [];

    public QualityGate(TemplateValidator validator, IEnumerable<IReadOnlyDictionary<string, string>> seeds, double nearDuplicateThreshold)
    {
        _validator = validator;
        _index = new NearDuplicateIndex(nearDuplicateThreshold);
        var number = 0;
        foreach (var seed in seeds)
        {
            _index.Add($"seed {++number}", Text(seed));
        }
    }

    public IReadOnlyList<IReadOnlyDictionary<string, string>> Accepted => _accepted;

    public IReadOnlyList<ReportEntry> Entries => _entries;

    public int RejectedCount => _entries.Count - _accepted.Count;

    /// <summary>Accepts the record or says why not; <paramref name="wanted"/> is how many the job still needs.</summary>
    public Rejection? Offer(int batch, IReadOnlyDictionary<string, string> record, int wanted)
    {
        var rejection = _validator.Check(record) ?? _index.FindDuplicate(Text(record));
        if (rejection is null && _accepted.Count >= wanted)
        {
            rejection = new Rejection(RejectionReason.Surplus, $"the job already has {wanted} examples");
        }

        if (rejection is not null)
        {
            _entries.Add(new ReportEntry(batch, false, record, rejection.Reason, rejection.Detail));
            return rejection;
        }

        _accepted.Add(record);
        _index.Add($"example {_accepted.Count}", Text(record));
        _entries.Add(new ReportEntry(batch, true, record));
        return null;
    }

    public QualityReport Report(string jobId, int requested, int unreadableReplies) => new(
        jobId,
        _validator.Shape.Template.Text,
        requested,
        _accepted.Count,
        RejectedCount,
        _entries.Where(e => e.Reason is not null).GroupBy(e => e.Reason!.Value).ToDictionary(g => g.Key, g => g.Count()),
        unreadableReplies,
        _entries);

    private string Text(IReadOnlyDictionary<string, string> record) =>
        string.Join("\n", _validator.Shape.Template.Fields.Select(f => record.TryGetValue(f, out var v) ? v : ""));
}
