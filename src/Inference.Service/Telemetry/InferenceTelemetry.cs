using System.Diagnostics;
using System.Diagnostics.Metrics;
using FineTuneMesh.Inference.Service.Generation;
using FineTuneMesh.ServiceDefaults;
using CoreSummary = FineTuneMesh.Core.Generation.GenerationSummary;

namespace FineTuneMesh.Inference.Service.Telemetry;

/// <summary>
/// The service's one ActivitySource and one Meter, both named <see cref="TelemetryNames.Inference"/>.
/// A span per generation named and tagged after the OpenTelemetry gen_ai conventions
/// (<c>{gen_ai.operation.name} {gen_ai.request.model}</c>; request settings, usage, finish reasons,
/// time to first token), the gen_ai server metrics (time to first token, time per output token,
/// request duration) and counters for generations, tokens and refusals.
/// </summary>
public sealed class InferenceTelemetry : IDisposable
{
    public const string ProviderName = "finetunemesh";
    public const string TimeToFirstTokenTag = "gen_ai.server.time_to_first_token";

    private readonly Meter _meter;
    private readonly Counter<long> _generations;
    private readonly Counter<long> _tokens;
    private readonly Counter<long> _refused;
    private readonly Histogram<int> _batchSize;
    private long _draftedTotal;
    private long _acceptedTotal;
    private readonly Counter<long> _drafted;
    private readonly Counter<long> _acceptedDrafts;
    private readonly Histogram<double> _timeToFirstToken;
    private readonly Histogram<double> _serverTimeToFirstToken;
    private readonly Histogram<double> _timePerOutputToken;

    public InferenceTelemetry(IMeterFactory meters)
    {
        _meter = meters.Create(TelemetryNames.Inference);
        _generations = _meter.CreateCounter<long>("finetunemesh.inference.generations", description: "Generations finished, by finish reason.");
        _tokens = _meter.CreateCounter<long>("finetunemesh.inference.tokens", unit: "{token}", description: "Prompt and completion tokens.");
        _batchSize = _meter.CreateHistogram<int>("finetunemesh.inference.batch_size", unit: "{sequence}",
            description: "Sequences in each shared decode step (continuous batching).");
        _drafted = _meter.CreateCounter<long>("finetunemesh.inference.speculation.drafted", unit: "{token}",
            description: "Tokens drafted for speculative decoding (the acceptance rate is accepted / drafted).");
        _acceptedDrafts = _meter.CreateCounter<long>("finetunemesh.inference.speculation.accepted", unit: "{token}",
            description: "Drafted tokens the model accepted.");
        _refused = _meter.CreateCounter<long>("finetunemesh.inference.refused", description: "Generations refused because the queue was full.");
        _timeToFirstToken = _meter.CreateHistogram<double>("finetunemesh.inference.time_to_first_token", unit: "ms");
        _serverTimeToFirstToken = _meter.CreateHistogram<double>(TimeToFirstTokenTag, unit: "s",
            description: "Time from the request to the first generated token, queueing included.");
        _timePerOutputToken = _meter.CreateHistogram<double>("gen_ai.server.time_per_output_token", unit: "s",
            description: "Decode time per output token after the first.");
    }

    public ActivitySource Source { get; } = new(TelemetryNames.Inference);

    public Activity? StartGeneration(GenerationRequest request, string baseModel)
    {
        var requestModel = request.RequestedModel ?? (string.IsNullOrEmpty(request.Adapter) ? baseModel : request.Adapter);
        var activity = Source.StartActivity($"{request.Operation} {requestModel}", ActivityKind.Internal);
        if (activity is null)
        {
            return null;
        }

        activity.SetTag("gen_ai.operation.name", request.Operation);
        activity.SetTag("gen_ai.provider.name", ProviderName);
        activity.SetTag("gen_ai.request.model", requestModel);
        activity.SetTag("gen_ai.response.model", string.IsNullOrEmpty(request.Adapter) ? baseModel : request.Adapter);
        activity.SetTag("gen_ai.request.max_tokens", request.MaxTokens);
        activity.SetTag("gen_ai.request.temperature", request.Temperature);
        activity.SetTag("gen_ai.request.top_p", request.TopP);
        activity.SetTag("gen_ai.request.top_k", request.TopK);
        activity.SetTag("gen_ai.request.seed", request.Seed);
        activity.SetTag("gen_ai.request.stop_sequences", request.Stop.Count > 0 ? request.Stop.ToArray() : null);
        activity.SetTag("finetunemesh.adapter", string.IsNullOrEmpty(request.Adapter) ? null : request.Adapter);
        return activity;
    }

    /// <summary>Usage, finish reason and time to first token (from the request's arrival, queueing included).</summary>
    public void Finished(Activity? activity, CoreSummary summary, TimeSpan timeToFirstToken)
    {
        var reason = summary.FinishReason.ToString().ToLowerInvariant();
        activity?.SetTag("gen_ai.usage.input_tokens", summary.PromptTokens);
        activity?.SetTag("gen_ai.usage.output_tokens", summary.CompletionTokens);
        activity?.SetTag("gen_ai.response.finish_reasons", new[] { reason });
        activity?.SetTag(TimeToFirstTokenTag, timeToFirstToken.TotalSeconds);
        activity?.SetTag("finetunemesh.tokens_per_second", summary.TokensPerSecond);
        // Speculative decoding: how many of the output tokens came from drafts the model accepted.
        activity?.SetTag("finetunemesh.speculation.drafted_tokens", summary.DraftedTokens);
        activity?.SetTag("finetunemesh.speculation.accepted_tokens", summary.AcceptedDraftTokens);
        _generations.Add(1, new KeyValuePair<string, object?>("finish_reason", reason));
        _tokens.Add(summary.PromptTokens, new KeyValuePair<string, object?>("gen_ai.token.type", "input"));
        _tokens.Add(summary.CompletionTokens, new KeyValuePair<string, object?>("gen_ai.token.type", "output"));
        _drafted.Add(summary.DraftedTokens);
        _acceptedDrafts.Add(summary.AcceptedDraftTokens);
        Interlocked.Add(ref _draftedTotal, summary.DraftedTokens);
        Interlocked.Add(ref _acceptedTotal, summary.AcceptedDraftTokens);
        if (summary.CompletionTokens > 0)
        {
            _timeToFirstToken.Record(timeToFirstToken.TotalMilliseconds);
            _serverTimeToFirstToken.Record(timeToFirstToken.TotalSeconds);
        }

        if (summary.TokensPerSecond > 0)
        {
            _timePerOutputToken.Record(1 / summary.TokensPerSecond);
        }
    }

    /// <summary>Tokens drafted for speculative decoding since the service started, and how many were accepted.</summary>
    public (long Drafted, long Accepted) DraftTotals => (Interlocked.Read(ref _draftedTotal), Interlocked.Read(ref _acceptedTotal));

    /// <summary>One shared decode step ran this many sequences.</summary>
    public void Stepped(int sequences) => _batchSize.Record(sequences);

    /// <summary>The request was refused or failed before or during decoding.</summary>
    public void Failed(Activity? activity, Exception error)
    {
        if (error is ServerBusyException)
        {
            _refused.Add(1);
        }

        activity?.SetTag("error.type", error switch
        {
            ServerBusyException => "server_busy",
            PromptTooLongException => "prompt_too_long",
            OperationCanceledException => "cancelled",
            _ => error.GetType().Name,
        });
        activity?.SetStatus(ActivityStatusCode.Error, error.Message);
    }

    public void Dispose()
    {
        Source.Dispose();
        _meter.Dispose();
    }
}
