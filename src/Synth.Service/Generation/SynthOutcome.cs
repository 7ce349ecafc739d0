using FineTuneMesh.Synth.Service.Quality;

namespace FineTuneMesh.Synth.Service.Generation;

/// <summary>
/// What a run produced: the accepted examples and the report, always (also when it stopped early),
/// with <see cref="StopReason"/> set when a cap or a failing provider stopped it.
/// </summary>
public sealed record SynthOutcome(
    IReadOnlyList<IReadOnlyDictionary<string, string>> Accepted,
    QualityReport Report,
    SynthProgress Progress,
    string? StopReason,
    bool Cancelled);
