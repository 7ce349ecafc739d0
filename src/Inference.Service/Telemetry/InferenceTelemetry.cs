using System.Diagnostics;
using System.Diagnostics.Metrics;
using FineTuneMesh.ServiceDefaults;
using CoreSummary = FineTuneMesh.Core.Generation.GenerationSummary;

namespace FineTuneMesh.Inference.Service.Telemetry;

/// <summary>
/// The service's one ActivitySource and one Meter, both named <see cref="TelemetryNames.Inference"/>:
/// a <c>generate</c> span per call with <c>gen_ai.*</c> usage tags, and counters for generations,
/// tokens and refusals.
/// </summary>
public sealed class InferenceTelemetry : IDisposable
{
    private readonly Meter _meter;
    private readonly Counter<long> _generations;
    private readonly Counter<long> _tokens;
    private readonly Counter<long> _refused;
    private readonly Histogram<double> _timeToFirstToken;

    public InferenceTelemetry(IMeterFactory meters)
    {
        _meter = meters.Create(TelemetryNames.Inference);
        _generations = _meter.CreateCounter<long>("finetunemesh.inference.generations", description: "Generations finished, by finish reason.");
        _tokens = _meter.CreateCounter<long>("finetunemesh.inference.tokens", unit: "{token}", description: "Prompt and completion tokens.");
        _refused = _meter.CreateCounter<long>("finetunemesh.inference.refused", description: "Generations refused because the queue was full.");
        _timeToFirstToken = _meter.CreateHistogram<double>("finetunemesh.inference.time_to_first_token", unit: "ms");
    }

    public ActivitySource Source { get; } = new(TelemetryNames.Inference);

    public Activity? StartGenerate(string model, string? adapter)
    {
        var activity = Source.StartActivity("generate");
        activity?.SetTag("gen_ai.operation.name", "text_completion");
        activity?.SetTag("gen_ai.request.model", model);
        activity?.SetTag("finetunemesh.adapter", string.IsNullOrEmpty(adapter) ? null : adapter);
        return activity;
    }

    public void Finished(Activity? activity, CoreSummary summary)
    {
        var reason = summary.FinishReason.ToString().ToLowerInvariant();
        activity?.SetTag("gen_ai.usage.input_tokens", summary.PromptTokens);
        activity?.SetTag("gen_ai.usage.output_tokens", summary.CompletionTokens);
        activity?.SetTag("gen_ai.response.finish_reasons", new[] { reason });
        _generations.Add(1, new KeyValuePair<string, object?>("finish_reason", reason));
        _tokens.Add(summary.PromptTokens, new KeyValuePair<string, object?>("gen_ai.token.type", "input"));
        _tokens.Add(summary.CompletionTokens, new KeyValuePair<string, object?>("gen_ai.token.type", "output"));
        _timeToFirstToken.Record(summary.TimeToFirstToken.TotalMilliseconds);
    }

    public void Refused() => _refused.Add(1);

    public void Dispose()
    {
        Source.Dispose();
        _meter.Dispose();
    }
}
