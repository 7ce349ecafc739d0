using System.Diagnostics;
using FineTuneMesh.Synth.Service.Providers;
using FineTuneMesh.Synth.Service.Telemetry;
using Polly;
using Polly.Retry;

namespace FineTuneMesh.Synth.Service.Generation;

/// <summary>
/// One batch: calls the provider and parses the reply, retrying with backoff on 429/5xx, network
/// errors and replies with no usable record, within the job's budget. Every call is a
/// <c>chat {model}</c> span.
/// </summary>
public sealed class BatchRequester(SynthOptions options, TimeProvider timeProvider, ILogger logger)
{
    /// <summary>Raised before each retry wait, for the job's progress stream.</summary>
    public event Action<int, string, TimeSpan>? Retrying;

    public async Task<(ChatReply Reply, ParsedReply Parsed)> RequestAsync(string jobId, int batch, IChatProvider provider,
        IReadOnlyList<PromptMessage> messages, ChatRequestOptions chatOptions, IReadOnlyList<string> fields, SynthBudget budget,
        CancellationToken cancellationToken)
    {
        var attempts = 0;
        var last = await Retries(jobId, batch).ExecuteAsync(
            async token => await AttemptAsync(++attempts, batch, provider, messages, chatOptions, fields, budget, token), cancellationToken);
        if (last.Reply is null || last.Parsed is null)
        {
            throw new SynthLimitException($"batch {batch} failed {attempts} times; last: {last.Failure}");
        }

        return (last.Reply, last.Parsed);
    }

    /// <summary>
    /// An attempt that failed in a way another may not (429/5xx, the network, a reply with no
    /// record) is made again after <see cref="Backoff.Delay"/>, up to MaxAttemptsPerBatch in all;
    /// any other failure is thrown from the attempt and not retried.
    /// </summary>
    private ResiliencePipeline<BatchAttempt> Retries(string jobId, int batch) => options.MaxAttemptsPerBatch <= 1
        ? ResiliencePipeline<BatchAttempt>.Empty
        : new ResiliencePipelineBuilder<BatchAttempt> { TimeProvider = timeProvider }.AddRetry(new RetryStrategyOptions<BatchAttempt>
        {
            ShouldHandle = retry => ValueTask.FromResult(retry.Outcome.Result is { Parsed: null }),
            MaxRetryAttempts = options.MaxAttemptsPerBatch - 1,
            DelayGenerator = retry => ValueTask.FromResult<TimeSpan?>(Backoff.Delay(retry.AttemptNumber + 1, options.InitialBackoff,
                options.MaxBackoff, retry.Outcome.Result?.RetryAfter, options.MaxRetryAfter)),
            OnRetry = retry =>
            {
                var failure = retry.Outcome.Result?.Failure ?? "";
                Log.RetryingBatch(logger, jobId, batch, retry.AttemptNumber + 1, failure, (long)retry.RetryDelay.TotalMilliseconds);
                Retrying?.Invoke(retry.AttemptNumber + 1, failure, retry.RetryDelay);
                return default;
            },
        }).Build();

    /// <summary>One call and its parse: the records, or why there are none (thrown when no retry can help).</summary>
    private static async Task<BatchAttempt> AttemptAsync(int attempt, int batch, IChatProvider provider, IReadOnlyList<PromptMessage> messages,
        ChatRequestOptions chatOptions, IReadOnlyList<string> fields, SynthBudget budget, CancellationToken cancellationToken)
    {
        budget.TakeRequest();
        using var activity = StartChatActivity(provider, chatOptions, batch, attempt);
        try
        {
            var reply = await provider.CompleteAsync(messages, chatOptions, cancellationToken);
            budget.AddUsage(reply.InputTokens, reply.OutputTokens);
            SynthTelemetry.Tokens.Add(reply.InputTokens, new KeyValuePair<string, object?>("gen_ai.token.type", "input"));
            SynthTelemetry.Tokens.Add(reply.OutputTokens, new KeyValuePair<string, object?>("gen_ai.token.type", "output"));
            activity?.SetTag("gen_ai.usage.input_tokens", reply.InputTokens);
            activity?.SetTag("gen_ai.usage.output_tokens", reply.OutputTokens);
            activity?.SetTag("gen_ai.response.finish_reasons", reply.FinishReason);

            var parsed = RecordParser.Parse(reply.Text, fields);
            activity?.SetTag("synth.records", parsed.Records.Count);
            if (parsed.Records.Count > 0)
            {
                SynthTelemetry.Requests.Add(1, new KeyValuePair<string, object?>("outcome", "ok"));
                return new BatchAttempt(reply, parsed, "", null);
            }

            SynthTelemetry.Requests.Add(1, new KeyValuePair<string, object?>("outcome", "malformed"));
            activity?.SetStatus(ActivityStatusCode.Error, "no records in reply");
            return new BatchAttempt(null, null, $"the reply held no record with the template's fields ({Preview(reply.Text)})", null);
        }
        catch (ProviderException e) when (e.IsTransient)
        {
            SynthTelemetry.Requests.Add(1, new KeyValuePair<string, object?>("outcome", e.StatusCode?.ToString() ?? "error"));
            activity?.SetTag("http.response.status_code", e.StatusCode);
            activity?.SetStatus(ActivityStatusCode.Error, e.Message);
            return new BatchAttempt(null, null, e.Message, e.RetryAfter);
        }
        catch (ProviderException e)
        {
            SynthTelemetry.Requests.Add(1, new KeyValuePair<string, object?>("outcome", e.StatusCode?.ToString() ?? "error"));
            activity?.SetStatus(ActivityStatusCode.Error, e.Message);
            throw new SynthLimitException($"{e.Message} (not retried)", e);
        }
    }

    private static Activity? StartChatActivity(IChatProvider provider, ChatRequestOptions chatOptions, int batch, int attempt)
    {
        var activity = SynthTelemetry.ActivitySource.StartActivity($"chat {provider.Model}", ActivityKind.Client);
        activity?.SetTag("gen_ai.operation.name", "chat");
        activity?.SetTag("gen_ai.system", provider.System);
        activity?.SetTag("gen_ai.request.model", provider.Model);
        activity?.SetTag("gen_ai.request.max_tokens", chatOptions.MaxTokens);
        activity?.SetTag("gen_ai.request.temperature", chatOptions.Temperature);
        activity?.SetTag("synth.provider", provider.Name);
        activity?.SetTag("synth.batch", batch);
        activity?.SetTag("synth.attempt", attempt);
        return activity;
    }

    private static string Preview(string text)
    {
        var line = text.ReplaceLineEndings(" ").Trim();
        return line.Length == 0 ? "empty" : $"\"{(line.Length <= 120 ? line : line[..120] + "...")}\"";
    }

    /// <summary>What one attempt came to: a reply with records, or why not and how long the server asked to wait.</summary>
    private sealed record BatchAttempt(ChatReply? Reply, ParsedReply? Parsed, string Failure, TimeSpan? RetryAfter);
}
