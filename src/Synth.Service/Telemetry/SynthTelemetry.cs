using System.Diagnostics;
using System.Diagnostics.Metrics;
using FineTuneMesh.ServiceDefaults;

namespace FineTuneMesh.Synth.Service.Telemetry;

/// <summary>
/// The synthesis service's one ActivitySource and one Meter (<see cref="TelemetryNames.Synth"/>):
/// a <c>synth job</c> span per job, a <c>chat {model}</c> span per provider call with
/// <c>gen_ai.*</c> tags, and counters for examples, calls and tokens.
/// </summary>
public static class SynthTelemetry
{
    private static readonly Meter _meter = new(TelemetryNames.Synth);

    public static ActivitySource ActivitySource { get; } = new(TelemetryNames.Synth);

    public static Counter<long> Accepted { get; } = _meter.CreateCounter<long>("synth.examples.accepted", "{example}", "Generated examples that passed the quality gate");

    public static Counter<long> Rejected { get; } = _meter.CreateCounter<long>("synth.examples.rejected", "{example}", "Generated examples the quality gate rejected, by reason");

    public static Counter<long> Requests { get; } = _meter.CreateCounter<long>("synth.requests", "{request}", "Provider calls, by outcome");

    public static Counter<long> Tokens { get; } = _meter.CreateCounter<long>("synth.tokens", "{token}", "Tokens spent, by type (input, output)");

    public static Counter<long> Jobs { get; } = _meter.CreateCounter<long>("synth.jobs", "{job}", "Finished jobs, by status");
}
